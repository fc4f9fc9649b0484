// uart_tx: your 8N1 transmitter. A frame is a start bit (0), eight data bits
// least significant first, and a stop bit (1), each `divisor` cycles long.
// Timing diagram and rules: ../README.md.
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
  // TODO(2): tx_ready: high when idle, and also in the last cycle of a stop bit, so back-to-back bytes leave no gap.
  assign ready = state == IDLE;

  always_ff @(posedge clk) begin
    if (rst) begin
      state <= IDLE;
      txd <= 1'b1;
      timer <= '0;
      bit_index <= '0;
      shreg <= '0;
    end else begin
      // TODO(1): the frame on txd: take data when valid && ready and send the start bit, then data bits 0..7, then the stop bit, each for divisor cycles (count them in timer).
      state <= IDLE;
      txd <= 1'b1;
    end
  end
endmodule
