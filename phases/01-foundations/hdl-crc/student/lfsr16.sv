// lfsr16: a 16-bit Galois LFSR shifting right, feedback polynomial
// x^16 + x^14 + x^13 + x^11 + 1 (tap mask 0xB400). See ../README.md.
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
    // TODO(1): on step, shift state right by one; when the bit shifted out (state[0]) is 1, XOR in TAPS (lfsr_state).
    else if (step) state <= state;
  end
endmodule
