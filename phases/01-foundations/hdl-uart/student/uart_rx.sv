// uart_rx: your 8N1 receiver. Synchronize rxd, find the start bit, sample
// each bit near its middle, check the stop bit. Timing and rules: ../README.md.
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
      // TODO(3): receive (rx_valid, rx_data): on a falling edge of rxd_s wait half a bit, check the start bit is still 0, sample 8 bits one bit time apart (LSB first), and on a stop bit of 1 pulse valid with data.
      // TODO(4): rx_frame_error: a stop bit of 0 pulses frame_error instead of valid; then wait in BREAK until rxd_s is 1 again.
      state <= IDLE;
    end
  end
endmodule
