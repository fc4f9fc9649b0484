// systolic_pe: one processing element of the output-stationary array.
// Each cycle it registers the a operand (and its valid/first/last flags) for
// the PE to its right and the b operand for the PE below, and, when both
// operands are valid, multiplies them (int8 x int8, signed) into its int32
// accumulator. The first pair of a dot product (a_first) restarts the sum;
// the last (a_last) raises last_mac for one cycle.
module systolic_pe (
    input  logic               clk,
    input  logic               rst,
    input  logic signed [7:0]  a_in,
    input  logic               a_valid,
    input  logic               a_first,
    input  logic               a_last,
    input  logic signed [7:0]  b_in,
    input  logic               b_valid,
    output logic signed [7:0]  a_out,
    output logic               a_valid_out,
    output logic               a_first_out,
    output logic               a_last_out,
    output logic signed [7:0]  b_out,
    output logic               b_valid_out,
    output logic signed [31:0] acc,
    output logic               last_mac
);
  wire signed [15:0] product = a_in * b_in;
  wire               mac     = a_valid && b_valid;

  always_ff @(posedge clk) begin
    if (rst) begin
      a_valid_out <= 1'b0;
      b_valid_out <= 1'b0;
      a_first_out <= 1'b0;
      a_last_out  <= 1'b0;
      a_out       <= '0;
      b_out       <= '0;
      acc         <= '0;
      last_mac    <= 1'b0;
    end else begin
      // The systolic hand-off: one PE per cycle.
      a_out       <= a_in;
      a_valid_out <= a_valid;
      a_first_out <= a_first;
      a_last_out  <= a_last;
      b_out       <= b_in;
      b_valid_out <= b_valid;
      // Multiply-accumulate; the first pair restarts the sum.
      if (mac) acc <= (a_first ? 32'sd0 : acc) + 32'(product);
      last_mac <= mac && a_last;
    end
  end
endmodule
