// async_fifo: a FIFO between two unrelated clocks (Cummings, "Simulation and
// Synthesis Techniques for Asynchronous FIFO Design", SNUG 2002). Each side
// keeps a binary pointer one bit wider than the address (the extra bit tells
// full from empty) and publishes it Gray-coded, from a register, so that the
// other side's synchronizer samples a value that changes one bit at a time:
// whichever bits it catches mid-change, it reads the old pointer or the new
// one, never a third. Full and empty are computed against the other side's
// synchronized, therefore late, pointer: they may stay on a few cycles too
// long (pessimistic), never turn off too early.
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
  logic [AW:0] wr_bin, rd_bin;            // binary pointers, each in its own domain
  logic [AW:0] rd_gray_in_wr, wr_gray_in_rd;  // the other side's Gray pointer, synchronized

  function automatic [AW:0] to_gray(input [AW:0] b);
    to_gray = b ^ (b >> 1);
  endfunction

  // Write side.
  wire         do_push     = wr_push && !wr_full;
  wire  [AW:0] wr_bin_next = wr_bin + {{AW{1'b0}}, do_push};
  wire  [AW:0] wr_gray_next = to_gray(wr_bin_next);
  always_ff @(posedge wr_clk) begin
    if (wr_rst) begin
      wr_bin      <= '0;
      wr_ptr_gray <= '0;
      wr_full     <= 1'b0;
    end else begin
      wr_bin      <= wr_bin_next;
      wr_ptr_gray <= wr_gray_next;
      // Full: the write pointer has gone once more around than the read
      // pointer. In Gray code that is the two top bits inverted, the rest equal.
      wr_full <= wr_gray_next == {~rd_gray_in_wr[AW:AW-1], rd_gray_in_wr[AW-2:0]};
    end
  end
  always_ff @(posedge wr_clk) begin
    if (do_push) mem[wr_bin[AW-1:0]] <= wr_data;
  end
  sync_2ff #(.WIDTH(AW + 1)) u_rd_ptr_sync (.clk(wr_clk), .rst(wr_rst), .d(rd_ptr_gray), .q(rd_gray_in_wr));

  // Read side.
  wire         do_pop       = rd_pop && !rd_empty;
  wire  [AW:0] rd_bin_next  = rd_bin + {{AW{1'b0}}, do_pop};
  wire  [AW:0] rd_gray_next = to_gray(rd_bin_next);
  always_ff @(posedge rd_clk) begin
    if (rd_rst) begin
      rd_bin      <= '0;
      rd_ptr_gray <= '0;
      rd_empty    <= 1'b1;
    end else begin
      rd_bin      <= rd_bin_next;
      rd_ptr_gray <= rd_gray_next;
      rd_empty    <= rd_gray_next == wr_gray_in_rd;  // caught up with the (late) write pointer
    end
  end
  sync_2ff #(.WIDTH(AW + 1)) u_wr_ptr_sync (.clk(rd_clk), .rst(rd_rst), .d(wr_ptr_gray), .q(wr_gray_in_rd));

  assign rd_data = mem[rd_bin[AW-1:0]];
endmodule
