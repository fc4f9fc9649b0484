// mac: your pipelined INT8 multiply-accumulate (dot-product) unit. One pair
// (a, b) per cycle, three stages, latency 3, saturating accumulator.
// Timing diagram and overflow rules: ../README.md.
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
      // TODO(1): the valid pipeline: in_valid through s1_valid and s2_valid; out_valid pulses when stage 3 holds a last pair (latency 3).
      out_valid <= 1'b0;
      // TODO(3): stage 3 (out_sum): acc = (s2_first ? 0 : acc) + s2_p, saturated to [MIN, MAX]; out_overflow when it saturated during this dot product; copy both out on a last pair.
    end
    // TODO(2): stages 1 and 2: register in_first, in_last, a and b, then the signed product s2_p = s1_a * s1_b with its first/last bits.
  end
endmodule
