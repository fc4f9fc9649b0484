// uart_rx: 8N1 receiver. rxd comes from outside the clock domain, so it
// passes two flip-flops first. A falling edge starts a frame; the receiver
// checks the start bit half a bit later, then samples each bit one bit time
// apart, near its middle. A stop bit of 0 is a framing error: the byte is
// dropped, rx_frame_error pulses, and the receiver waits for the line to go
// high again (a "break" holds it low) before it looks for the next start bit.
module uart_rx (
    input  logic        clk,
    input  logic        rst,
    input  logic [15:0] divisor,
    input  logic        rxd,
    output logic        valid,
    output logic [7:0]  data,
    output logic        frame_error
);
  typedef enum logic [2:0] {
    IDLE,
    START,
    DATA,
    STOP,
    BREAK
  } state_t;

  state_t state;
  logic rxd_meta, rxd_s;  // the two-flop synchronizer
  logic [15:0] timer;
  logic [2:0] bit_index;
  logic [7:0] shreg;
  logic [15:0] half;
  logic bit_done;

  assign half = {1'b0, divisor[15:1]};
  assign bit_done = timer == divisor - 16'd1;

  always_ff @(posedge clk) begin
    if (rst) begin
      rxd_meta <= 1'b1;
      rxd_s <= 1'b1;
      state <= IDLE;
      timer <= '0;
      bit_index <= '0;
      shreg <= '0;
      data <= '0;
      valid <= 1'b0;
      frame_error <= 1'b0;
    end else begin
      rxd_meta <= rxd;
      rxd_s <= rxd_meta;
      valid <= 1'b0;
      frame_error <= 1'b0;
      case (state)
        IDLE:
        if (!rxd_s) begin
          state <= START;
          timer <= '0;
        end
        START:  // half a bit later: still low, or it was a glitch
        if (timer == half - 16'd1) begin
          timer <= '0;
          bit_index <= '0;
          state <= rxd_s ? IDLE : DATA;
        end else begin
          timer <= timer + 16'd1;
        end
        DATA:
        if (bit_done) begin
          timer <= '0;
          shreg <= {rxd_s, shreg[7:1]};  // least significant bit first
          if (bit_index == 3'd7) state <= STOP;
          else bit_index <= bit_index + 3'd1;
        end else begin
          timer <= timer + 16'd1;
        end
        STOP:
        if (bit_done) begin
          timer <= '0;
          if (rxd_s) begin
            valid <= 1'b1;
            data <= shreg;
            state <= IDLE;
          end else begin
            frame_error <= 1'b1;
            state <= BREAK;
          end
        end else begin
          timer <= timer + 16'd1;
        end
        default:  // BREAK: wait for the line to return high
        if (rxd_s) state <= IDLE;
      endcase
    end
  end
endmodule
