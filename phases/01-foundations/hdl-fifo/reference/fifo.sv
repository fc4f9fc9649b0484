// fifo: the reference synchronous FIFO (one clock, first-word fall-through).
// Timing and the rules for full, empty and simultaneous push and pop: ../README.md.
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

  // A pop needs something to pop; a push needs room, or a pop in the same cycle.
  assign do_pop  = pop && !empty;
  assign do_push = push && (!full || do_pop);

  // Pointers wrap at DEPTH, which need not be a power of two.
  function automatic logic [AW-1:0] advance(input logic [AW-1:0] p);
    advance = (p == AW'(DEPTH - 1)) ? '0 : p + 1'b1;  // not `return`: Yosys 0.23 (labctl synth) reads only this form
  endfunction

  always_ff @(posedge clk) begin
    if (rst) begin
      wr_ptr <= '0;
      rd_ptr <= '0;
      count  <= '0;
    end else begin
      if (do_push) begin
        mem[wr_ptr] <= push_data;
        wr_ptr <= advance(wr_ptr);
      end
      if (do_pop) rd_ptr <= advance(rd_ptr);
      case ({do_push, do_pop})
        2'b10:   count <= count + 1'b1;
        2'b01:   count <= count - 1'b1;
        default: count <= count;  // none, or one in and one out
      endcase
    end
  end

  assign pop_data    = mem[rd_ptr];
  assign empty       = count == '0;
  assign full        = count == CW'(DEPTH);
  assign almost_full = count >= CW'(ALMOST_FULL);
endmodule
