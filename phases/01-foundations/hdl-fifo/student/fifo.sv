// fifo: your synchronous FIFO (one clock, first-word fall-through).
// Timing and the rules for full, empty and simultaneous push and pop: ../README.md.
// Build and test: tools/labctl test hdl-fifo
module fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 8,                 // any depth >= 2, not only powers of two
    parameter int ALMOST_FULL = DEPTH - 2    // almost_full = count >= ALMOST_FULL
) (
    input  logic                       clk,
    input  logic                       rst,
    input  logic                       push,
    input  logic [WIDTH-1:0]           push_data,
    input  logic                       pop,
    output logic [WIDTH-1:0]           pop_data,   // the oldest entry, valid while !empty
    output logic                       full,
    output logic                       empty,
    output logic                       almost_full,
    output logic [$clog2(DEPTH+1)-1:0] count
);
  localparam int AW = $clog2(DEPTH);
  localparam int CW = $clog2(DEPTH + 1);

  logic [WIDTH-1:0] mem[DEPTH];
  logic [AW-1:0] wr_ptr, rd_ptr;
  logic do_push, do_pop;

  // TODO(1): decide which requests take effect: do_pop when pop and the FIFO holds an entry; do_push when push and there is room, or a pop in the same cycle frees a slot.
  assign do_pop  = 1'b0;
  assign do_push = 1'b0;

  always_ff @(posedge clk) begin
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      count  <= '0;
    end else begin
      // TODO(2): on do_push write push_data at wr_ptr and advance wr_ptr; on do_pop advance rd_ptr (both wrap from DEPTH-1 to 0); keep count = entries held.
      wr_ptr <= wr_ptr;
      rd_ptr <= rd_ptr;
      count  <= count;
    end
  end

  // TODO(3): the outputs: pop_data = the entry at rd_ptr; empty, full (count == DEPTH) and almost_full (count >= ALMOST_FULL) from count.
  assign pop_data    = '0;
  assign empty       = 1'b0;
  assign full        = 1'b0;
  assign almost_full = 1'b0;
endmodule
