// systolic_array_os: an output-stationary ROWS x COLS array of int8 MAC
// processing elements (systolic_pe.sv), the same dataflow the C++ model's
// os_fold_int8() simulates.
//
// One fold computes a ROWS x COLS tile of C = A * B. The caller feeds the
// edges already skewed, one operand per edge port per cycle:
//   lane i of a_in carries A[m0 + i][k] in cycle k + i (left edge, row i)
//   lane j of b_in carries B[k][n0 + j] in cycle k + j (top edge, column j)
// with a_first/a_last marking k = 0 and k = K - 1 on the a side. Operands
// move one PE right (a) or down (b) per cycle, so A[.][k] and B[k][.] meet in
// PE(i, j) at cycle k + i + j. The fold's last MAC happens in PE(ROWS-1,
// COLS-1) at cycle K + ROWS + COLS - 3; `done` is high after that edge, so a
// fold takes K + ROWS + COLS - 2 cycles, the count SCALE-Sim charges.
// The results stay in the PEs (output stationary) and are read through
// rd_row/rd_col; the next fold's first operands restart each accumulator.
//
// The ports and the wires between PEs are flat packed vectors: lane i of an
// 8-bit operand port is bits [8*i +: 8], bit i of a flag port is row or
// column i. Yosys 0.23 (Debian 12), which `labctl synth` runs, reads neither
// unpacked-array ports (`a_in [ROWS]`) nor multi-dimensional packed ones
// (`[ROWS-1:0][7:0]`); flat vectors it reads, and Verilator maps them to
// plain integers (tests/test_rtl.cpp sets the lanes with set_lane/set_bit).
module systolic_array_os #(
    parameter int ROWS = 4,
    parameter int COLS = 4
) (
    input  logic                       clk,
    input  logic                       rst,
    input  logic [8*ROWS-1:0]          a_in,       // lane i (bits [8*i +: 8], int8): row i
    input  logic [ROWS-1:0]            a_valid,    // bit i: row i
    input  logic [ROWS-1:0]            a_first,
    input  logic [ROWS-1:0]            a_last,
    input  logic [8*COLS-1:0]          b_in,       // lane j (bits [8*j +: 8], int8): column j
    input  logic [COLS-1:0]            b_valid,    // bit j: column j
    output logic                       done,       // the fold's last MAC happened at the last edge
    input  logic [$clog2(ROWS+1)-1:0]  rd_row,
    input  logic [$clog2(COLS+1)-1:0]  rd_col,
    output logic signed [31:0]         rd_acc      // accumulator of PE(rd_row, rd_col)
);
  // Operand wires between PEs, flat like the ports. The a side has COLS + 1
  // wires per row: wire (i, j) = index i*AW + j enters PE(i, j) from the
  // left, wire (i, COLS) is the far edge. The b side has ROWS + 1 rows of
  // COLS wires: wire (i, j) = index i*COLS + j enters PE(i, j) from the top,
  // row ROWS is the far edge. An 8-bit wire n is bits [8*n +: 8].
  localparam int AW = COLS + 1;
  localparam int BH = ROWS + 1;
  logic [8*ROWS*AW-1:0]     a_w;
  logic [ROWS*AW-1:0]       av_w, af_w, al_w;
  logic [8*BH*COLS-1:0]     b_w;
  logic [BH*COLS-1:0]       bv_w;
  logic [32*ROWS*COLS-1:0]  acc;        // PE(i, j)'s accumulator: bits [32*(i*COLS+j) +: 32]
  logic [ROWS*COLS-1:0]     last_mac;

  for (genvar i = 0; i < ROWS; i++) begin : g_left
    assign a_w[8*(i*AW) +: 8] = a_in[8*i +: 8];
    assign av_w[i*AW]         = a_valid[i];
    assign af_w[i*AW]         = a_first[i];
    assign al_w[i*AW]         = a_last[i];
  end
  for (genvar j = 0; j < COLS; j++) begin : g_top
    assign b_w[8*j +: 8] = b_in[8*j +: 8];
    assign bv_w[j]       = b_valid[j];
  end

  for (genvar i = 0; i < ROWS; i++) begin : g_row
    for (genvar j = 0; j < COLS; j++) begin : g_col
      systolic_pe pe (
          .clk        (clk),
          .rst        (rst),
          .a_in       (a_w[8*(i*AW+j) +: 8]),
          .a_valid    (av_w[i*AW+j]),
          .a_first    (af_w[i*AW+j]),
          .a_last     (al_w[i*AW+j]),
          .b_in       (b_w[8*(i*COLS+j) +: 8]),
          .b_valid    (bv_w[i*COLS+j]),
          .a_out      (a_w[8*(i*AW+j+1) +: 8]),
          .a_valid_out(av_w[i*AW+j+1]),
          .a_first_out(af_w[i*AW+j+1]),
          .a_last_out (al_w[i*AW+j+1]),
          .b_out      (b_w[8*((i+1)*COLS+j) +: 8]),
          .b_valid_out(bv_w[(i+1)*COLS+j]),
          .acc        (acc[32*(i*COLS+j) +: 32]),
          .last_mac   (last_mac[i*COLS+j])
      );
    end
  end

  assign done = last_mac[ROWS*COLS-1];

  // The read port (a mux over the accumulators; out-of-range reads give 0).
  always_comb begin
    rd_acc = '0;
    for (int i = 0; i < ROWS; i++)
      for (int j = 0; j < COLS; j++)
        if (32'(rd_row) == i && 32'(rd_col) == j) rd_acc = acc[32*(i*COLS+j) +: 32];
  end

  // Operands that fall off the far edges are not used.
  logic unused;
  always_comb begin
    unused = 1'b0;
    for (int i = 0; i < ROWS; i++)
      unused = unused ^ (^a_w[8*(i*AW+COLS) +: 8]) ^ av_w[i*AW+COLS] ^ af_w[i*AW+COLS] ^ al_w[i*AW+COLS];
    for (int j = 0; j < COLS; j++) unused = unused ^ (^b_w[8*(ROWS*COLS+j) +: 8]) ^ bv_w[ROWS*COLS+j];
    for (int n = 0; n < ROWS * COLS - 1; n++) unused = unused ^ last_mac[n];  // done is the last one
  end
endmodule
