// crc32: CRC-32 (IEEE 802.3, reflected: polynomial 0xEDB88320, initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF) of a byte stream, one byte per clock.
// See ../README.md for the timing and the algorithm.
module crc32 (
    input  logic        clk,
    input  logic        rst,
    input  logic        init,   // start a new message; with valid, data is its first byte
    input  logic        valid,
    input  logic [7:0]  data,
    output logic [31:0] crc
);
  localparam logic [31:0] POLY = 32'hEDB88320;

  logic [31:0] state, start;

  // TODO(2): the byte update (crc_value): XOR the byte into the low 8 bits, then 8 times: shift right by one and XOR in POLY when the bit shifted out was 1.
  function automatic logic [31:0] crc_byte(input logic [31:0] c_in, input logic [7:0] d);
    crc_byte = c_in ^ {24'h000000, d};  // not `return`: Yosys 0.23 (labctl synth) reads only this form
  endfunction

  // TODO(3): crc_init: start from 32'hFFFFFFFF instead of state; the output crc_value is the state inverted.
  assign start = state;

  always_ff @(posedge clk) begin
    if (rst) state <= 32'hFFFFFFFF;
    else if (valid) state <= crc_byte(start, data);
    else state <= start;
  end

  assign crc = state;
endmodule
