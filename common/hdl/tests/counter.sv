// A small design for the testbench library's own tests: an 8-bit counter
// with enable and synchronous reset, and a flag when it wraps.
module counter (
    input  logic       clk,
    input  logic       rst,
    input  logic       en,
    output logic [7:0] count,
    output logic       wrapped
);
  always_ff @(posedge clk) begin
    if (rst) begin
      count   <= 8'd0;
      wrapped <= 1'b0;
    end else if (en) begin
      count   <= count + 8'd1;
      wrapped <= count == 8'hff;
    end
  end
endmodule
