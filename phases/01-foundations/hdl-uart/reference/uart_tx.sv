// uart_tx: 8N1 transmitter. A frame is a start bit (0), eight data bits
// least significant first, and a stop bit (1), each `divisor` cycles long.
// ready is high when idle and in the last cycle of a stop bit, so a byte
// offered back to back starts its start bit right after the stop bit ends:
// a stream of bytes takes exactly 10 * divisor cycles per byte.
module uart_tx (
    input  logic        clk,
    input  logic        rst,
    input  logic [15:0] divisor,
    input  logic        valid,
    input  logic [7:0]  data,
    output logic        ready,
    output logic        txd
);
  typedef enum logic [1:0] {
    IDLE,
    START,
    DATA,
    STOP
  } state_t;

  state_t state;
  logic [15:0] timer;      // cycles spent in the current bit
  logic [2:0] bit_index;   // which data bit is on the line
  logic [7:0] shreg;       // the byte, shifted right as bits go out
  logic bit_done;

  assign bit_done = timer == divisor - 16'd1;
  assign ready = (state == IDLE) || (state == STOP && bit_done);

  always_ff @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      txd <= 1'b1;
      timer <= '0;
      bit_index <= '0;
      shreg <= '0;
    end else if (valid && ready) begin  // take the byte: the start bit begins
      state <= START;
      txd <= 1'b0;
      timer <= '0;
      bit_index <= '0;
      shreg <= data;
    end else if (state != IDLE) begin
      if (!bit_done) begin
        timer <= timer + 16'd1;
      end else begin
        timer <= '0;
        case (state)
          START: begin
            state <= DATA;
            txd <= shreg[0];
          end
          DATA:
          if (bit_index == 3'd7) begin
            state <= STOP;
            txd <= 1'b1;
          end else begin
            bit_index <= bit_index + 3'd1;
            shreg <= shreg >> 1;
            txd <= shreg[1];
          end
          default: state <= IDLE;  // the stop bit ended with nothing to send
        endcase
      end
    end
  end
endmodule
