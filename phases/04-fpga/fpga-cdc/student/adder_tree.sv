// adder_tree: the sum of eight unsigned W-bit numbers. This version works but
// adds all eight in one clock cycle: three adders in a row between two
// flip-flops. Your task (../README.md): pipeline it to a latency of exactly 4
// cycles, one level of adders per stage, and watch the maximum clock
// frequency go up: tools/labctl synth fpga-cdc.
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
  logic         x_valid;

  always_ff @(posedge clk) begin
    if (rst) {x_valid, out_valid} <= '0;
    else {out_valid, x_valid} <= {x_valid, in_valid};
  end

  // TODO(10): tree_out pipeline: register the 4 pair sums, then the 2 sums of those, then out_sum; delay in_valid to match.
  // Latency 4: inputs sampled at edge e appear on out_sum right after edge e + 3.
  always_ff @(posedge clk) begin
    for (int i = 0; i < 8; i++) x[i] <= in_data[i*W+:W];
    out_sum <= (W + 3)'(x[0]) + (W + 3)'(x[1]) + (W + 3)'(x[2]) + (W + 3)'(x[3]) +
               (W + 3)'(x[4]) + (W + 3)'(x[5]) + (W + 3)'(x[6]) + (W + 3)'(x[7]);
  end
endmodule
