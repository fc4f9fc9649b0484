// sync_2ff: your two-flip-flop synchronizer. `d` comes from another clock
// domain; `q` must follow it exactly two clk edges later. Why two: ../README.md.
// Build and test: tools/labctl test fpga-cdc
module sync_2ff #(
    parameter int WIDTH = 1
) (
    input  logic             clk,
    input  logic             rst,
    input  logic [WIDTH-1:0] d,
    output logic [WIDTH-1:0] q
);
  logic [WIDTH-1:0] meta;

  always_ff @(posedge clk) begin
    if (rst) begin
      meta <= '0;
      q    <= '0;
    end else begin
      // TODO(1): sync_q: pass d through two flops, meta <= d, then q <= meta (reset clears both).
      meta <= '0;
      q    <= '0;
    end
  end
endmodule
