// adder_tree: the sum of eight unsigned W-bit numbers, pipelined: a register
// after the inputs and after each of the three levels of adders, so the
// longest path between two flip-flops is one adder (W + 2 bits of carry
// chain) instead of three. Latency 4 (registers from in_data to out_sum):
// inputs sampled at edge e appear on out_sum right after edge e + 3.
module adder_tree #(
    parameter int W = 16
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             in_valid,
    input  logic [8*W-1:0]   in_data,     // eight numbers, number i in bits [i*W +: W]
    output logic             out_valid,
    output logic [W+2:0]     out_sum
);
  logic [W-1:0] x[8];
  logic [W:0]   s1[4];
  logic [W+1:0] s2[2];
  logic [2:0]   valid;                    // in_valid, one per stage

  always_ff @(posedge clk) begin
    if (rst) {valid, out_valid} <= '0;
    else {out_valid, valid} <= {valid, in_valid};
  end

  always_ff @(posedge clk) begin
    for (int i = 0; i < 8; i++) x[i] <= in_data[i*W+:W];
    for (int i = 0; i < 4; i++) s1[i] <= (W + 1)'(x[2*i]) + (W + 1)'(x[2*i+1]);
    for (int i = 0; i < 2; i++) s2[i] <= (W + 2)'(s1[2*i]) + (W + 2)'(s1[2*i+1]);
    out_sum <= (W + 3)'(s2[0]) + (W + 3)'(s2[1]);
  end
endmodule
