// sync_2ff: the two-flip-flop synchronizer. `d` comes from another clock
// domain (a flip-flop there, never logic); `q` follows it two clk edges later.
// The first flop may go metastable; the second gives it a whole clk period to
// settle (MTBF: ../README.md). Simulation never goes metastable: the lab's
// tests check the structure (exactly two flops) through the latency.
module sync_2ff #(
    parameter int WIDTH = 1              // only for bits that are independent (or Gray-coded)
) (
    input  logic             clk,
    input  logic             rst,
    input  logic [WIDTH-1:0] d,
    output logic [WIDTH-1:0] q
);
  logic [WIDTH-1:0] meta;                // the flop that may go metastable: nothing else reads it

  always_ff @(posedge clk) begin
    if (rst) begin
      meta <= '0;
      q    <= '0;
    end else begin
      meta <= d;
      q    <= meta;
    end
  end
endmodule
