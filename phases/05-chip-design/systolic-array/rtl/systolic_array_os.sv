// systolic_array_os: an output-stationary ROWS x COLS array of int8 MAC
// processing elements (systolic_pe.sv), the same dataflow the C++ model's
// os_fold_int8() simulates.
//
// One fold computes a ROWS x COLS tile of C = A * B. The caller feeds the
// edges already skewed, one operand per edge port per cycle:
//   a_in[i] carries A[m0 + i][k] in cycle k + i (left edge, row i)
//   b_in[j] carries B[k][n0 + j] in cycle k + j (top edge, column j)
// with a_first/a_last marking k = 0 and k = K - 1 on the a side. Operands
// move one PE right (a) or down (b) per cycle, so A[.][k] and B[k][.] meet in
// PE(i, j) at cycle k + i + j. The fold's last MAC happens in PE(ROWS-1,
// COLS-1) at cycle K + ROWS + COLS - 3; `done` is high after that edge, so a
// fold takes K + ROWS + COLS - 2 cycles, the count SCALE-Sim charges.
// The results stay in the PEs (output stationary) and are read through
// rd_row/rd_col; the next fold's first operands restart each accumulator.
module systolic_array_os #(
    parameter int ROWS = 4,
    parameter int COLS = 4
) (
    input  logic                       clk,
    input  logic                       rst,
    input  logic signed [7:0]          a_in       [ROWS],
    input  logic                       a_valid    [ROWS],
    input  logic                       a_first    [ROWS],
    input  logic                       a_last     [ROWS],
    input  logic signed [7:0]          b_in       [COLS],
    input  logic                       b_valid    [COLS],
    output logic                       done,        // the fold's last MAC happened at the last edge
    input  logic [$clog2(ROWS+1)-1:0]  rd_row,
    input  logic [$clog2(COLS+1)-1:0]  rd_col,
    output logic signed [31:0]         rd_acc       // accumulator of PE(rd_row, rd_col)
);
  // Operand wires between PEs: a_*[i][j] enters PE(i, j) from the left,
  // b_*[i][j] from the top; column COLS and row ROWS are the far edges.
  logic signed [7:0] a_w [ROWS][COLS+1];
  logic              av_w[ROWS][COLS+1];
  logic              af_w[ROWS][COLS+1];
  logic              al_w[ROWS][COLS+1];
  logic signed [7:0] b_w [ROWS+1][COLS];
  logic              bv_w[ROWS+1][COLS];
  logic signed [31:0] acc [ROWS][COLS];
  logic               last_mac [ROWS][COLS];

  for (genvar i = 0; i < ROWS; i++) begin : g_left
    assign a_w[i][0]  = a_in[i];
    assign av_w[i][0] = a_valid[i];
    assign af_w[i][0] = a_first[i];
    assign al_w[i][0] = a_last[i];
  end
  for (genvar j = 0; j < COLS; j++) begin : g_top
    assign b_w[0][j]  = b_in[j];
    assign bv_w[0][j] = b_valid[j];
  end

  for (genvar i = 0; i < ROWS; i++) begin : g_row
    for (genvar j = 0; j < COLS; j++) begin : g_col
      systolic_pe pe (
          .clk      (clk),
          .rst      (rst),
          .a_in     (a_w[i][j]),
          .a_valid  (av_w[i][j]),
          .a_first  (af_w[i][j]),
          .a_last   (al_w[i][j]),
          .b_in     (b_w[i][j]),
          .b_valid  (bv_w[i][j]),
          .a_out    (a_w[i][j+1]),
          .a_valid_out(av_w[i][j+1]),
          .a_first_out(af_w[i][j+1]),
          .a_last_out (al_w[i][j+1]),
          .b_out    (b_w[i+1][j]),
          .b_valid_out(bv_w[i+1][j]),
          .acc      (acc[i][j]),
          .last_mac (last_mac[i][j])
      );
    end
  end

  assign done = last_mac[ROWS-1][COLS-1];

  // The read port (a mux over the accumulators; out-of-range reads give 0).
  always_comb begin
    rd_acc = '0;
    for (int i = 0; i < ROWS; i++)
      for (int j = 0; j < COLS; j++)
        if (32'(rd_row) == i && 32'(rd_col) == j) rd_acc = acc[i][j];
  end

  // Operands that fall off the far edges are not used.
  logic unused;
  always_comb begin
    unused = 1'b0;
    for (int i = 0; i < ROWS; i++) unused = unused ^ (^a_w[i][COLS]) ^ av_w[i][COLS] ^ af_w[i][COLS] ^ al_w[i][COLS];
    for (int j = 0; j < COLS; j++) unused = unused ^ (^b_w[ROWS][j]) ^ bv_w[ROWS][j];
    for (int i = 0; i < ROWS; i++)
      for (int j = 0; j < COLS; j++)
        if (!(i == ROWS - 1 && j == COLS - 1)) unused = unused ^ last_mac[i][j];
  end
endmodule
