// mac: the reference pipelined INT8 multiply-accumulate (dot-product) unit.
// One pair (a, b) per cycle, sustained; three pipeline stages:
//   1. register the inputs       2. multiply (8x8 -> 16 bits, signed)
//   3. accumulate, saturating at ACC_WIDTH bits
// A dot product's result leaves three clock edges after its last pair went
// in (latency 3). Timing diagram and overflow rules: ../README.md.
module mac #(
    parameter int ACC_WIDTH = 24
) (
    input  logic                        clk,
    input  logic                        rst,
    input  logic                        in_valid,
    input  logic                        in_first,     // first pair of a dot product: the sum restarts
    input  logic                        in_last,      // last pair: the result comes out
    input  logic signed [7:0]           a,
    input  logic signed [7:0]           b,
    output logic                        out_valid,    // one-cycle pulse per dot product
    output logic signed [ACC_WIDTH-1:0] out_sum,
    output logic                        out_overflow  // the sum saturated at least once
);
  localparam logic signed [ACC_WIDTH:0] MAX = (ACC_WIDTH + 1)'((1 << (ACC_WIDTH - 1)) - 1);
  localparam logic signed [ACC_WIDTH:0] MIN = -(ACC_WIDTH + 1)'(1 << (ACC_WIDTH - 1));

  // Stage 1: inputs.
  logic s1_valid, s1_first, s1_last;
  logic signed [7:0] s1_a, s1_b;
  // Stage 2: the product.
  logic s2_valid, s2_first, s2_last;
  logic signed [15:0] s2_p;
  // Stage 3: the accumulator.
  logic signed [ACC_WIDTH-1:0] acc;
  logic acc_ovf;

  logic signed [ACC_WIDTH:0] wide;  // one bit more than acc: the sum cannot wrap
  logic signed [ACC_WIDTH-1:0] sat;
  logic clipped, ovf_next;

  always_comb begin
    wide = (s2_first ? '0 : (ACC_WIDTH + 1)'(acc)) + (ACC_WIDTH + 1)'(s2_p);
    clipped = wide > MAX || wide < MIN;
    sat = wide > MAX ? MAX[ACC_WIDTH-1:0] : wide < MIN ? MIN[ACC_WIDTH-1:0] : wide[ACC_WIDTH-1:0];
    ovf_next = (s2_first ? 1'b0 : acc_ovf) | clipped;
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      s1_valid <= 1'b0;
      s2_valid <= 1'b0;
      out_valid <= 1'b0;
      acc <= '0;
      acc_ovf <= 1'b0;
      out_sum <= '0;
      out_overflow <= 1'b0;
    end else begin
      s1_valid <= in_valid;
      s2_valid <= s1_valid;
      out_valid <= s2_valid && s2_last;
      if (s2_valid) begin
        acc <= sat;
        acc_ovf <= ovf_next;
        if (s2_last) begin
          out_sum <= sat;
          out_overflow <= ovf_next;
        end
      end
    end
    // Data registers need no reset: the valid bits say when they mean something.
    s1_first <= in_first;
    s1_last <= in_last;
    s1_a <= a;
    s1_b <= b;
    s2_first <= s1_first;
    s2_last <= s1_last;
    s2_p <= s1_a * s1_b;
  end
endmodule
