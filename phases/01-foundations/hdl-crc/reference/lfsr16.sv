// lfsr16: a 16-bit Galois LFSR shifting right, feedback polynomial
// x^16 + x^14 + x^13 + x^11 + 1 (tap mask 0xB400): from any nonzero seed it
// visits all 65,535 nonzero states before it repeats.
module lfsr16 (
    input  logic        clk,
    input  logic        rst,
    input  logic        load,
    input  logic [15:0] seed,
    input  logic        step,
    output logic [15:0] state
);
  localparam logic [15:0] TAPS = 16'hB400;

  always_ff @(posedge clk) begin
    if (rst) state <= 16'h0001;
    else if (load) state <= seed;
    else if (step) state <= (state >> 1) ^ (state[0] ? TAPS : 16'h0000);
  end
endmodule
