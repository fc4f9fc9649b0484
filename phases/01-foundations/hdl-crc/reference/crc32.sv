// crc32: CRC-32 of a byte stream, one byte per clock. Reflected form of the
// IEEE 802.3 polynomial 0x04C11DB7 (0xEDB88320 bit-reversed), initial value
// 0xFFFFFFFF, final XOR 0xFFFFFFFF: the CRC zlib, PNG and Ethernet use.
// The byte update is eight steps of a Galois LFSR whose input is the data.
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

  // Eight shift-and-XOR steps, unrolled into combinational logic: one byte per cycle.
  function automatic logic [31:0] crc_byte(input logic [31:0] c_in, input logic [7:0] d);
    logic [31:0] c;
    c = c_in ^ {24'h000000, d};
    for (int i = 0; i < 8; i++) c = (c >> 1) ^ (c[0] ? POLY : 32'h00000000);
    crc_byte = c;  // not `return`: Yosys 0.23 (labctl synth) reads only this form
  endfunction

  assign start = init ? 32'hFFFFFFFF : state;

  always_ff @(posedge clk) begin
    if (rst) state <= 32'hFFFFFFFF;
    else if (valid) state <= crc_byte(start, data);
    else state <= start;
  end

  assign crc = ~state;
endmodule
