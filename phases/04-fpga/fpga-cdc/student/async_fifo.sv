// async_fifo: your FIFO between two unrelated clocks, with Gray-coded
// pointers (Cummings, SNUG 2002). Every rule it must keep: ../README.md.
module async_fifo #(
    parameter int WIDTH = 8,
    parameter int AW = 3                  // DEPTH = 2**AW entries; AW >= 2
) (
    input  logic             wr_clk,
    input  logic             wr_rst,
    input  logic             wr_push,     // taken at an edge where wr_push && !wr_full
    input  logic [WIDTH-1:0] wr_data,
    output logic             wr_full,
    output logic [AW:0]      wr_ptr_gray, // the write pointer as the read side samples it
    input  logic             rd_clk,
    input  logic             rd_rst,
    input  logic             rd_pop,      // taken at an edge where rd_pop && !rd_empty
    output logic [WIDTH-1:0] rd_data,     // the oldest entry, valid while !rd_empty
    output logic             rd_empty,
    output logic [AW:0]      rd_ptr_gray  // the read pointer as the write side samples it
);
  localparam int DEPTH = 1 << AW;
  logic [WIDTH-1:0] mem[DEPTH];

  // TODO(5): fifo_full, Gray write pointer (gray): binary and Gray pointers, registered wr_full against the synced read pointer.
  // A binary pointer of AW+1 bits advances on wr_push && !wr_full (writing mem); wr_ptr_gray is its Gray code,
  // from a register; synchronize rd_ptr_gray with sync_2ff and register
  // wr_full = (next Gray write pointer == that pointer with its two top bits inverted).
  assign wr_full = 1'b0;
  assign wr_ptr_gray = '0;

  // TODO(6): fifo_empty, fifo_rdata, fifo_rptr_gray: the read side, the mirror image of the write side.
  // rd_ptr_gray from a register, wr_ptr_gray synchronized into rd_clk, rd_empty registered (reset to 1),
  // rd_data = mem[read address].
  assign rd_empty = 1'b1;
  assign rd_ptr_gray = '0;
  assign rd_data = mem[0];
endmodule
