// crc_unit: the lab's top level, an LFSR and a CRC-32 engine side by side.
// (This file is the same in reference/ and student/.)
module crc_unit (
    input  logic        clk,
    input  logic        rst,
    // 16-bit maximal-length LFSR
    input  logic        lfsr_load,   // state <= lfsr_seed (wins over lfsr_step)
    input  logic [15:0] lfsr_seed,
    input  logic        lfsr_step,   // state <= next state
    output logic [15:0] lfsr_state,
    // CRC-32 (IEEE 802.3, as zlib and Ethernet compute it), one byte per cycle
    input  logic        crc_init,    // start a new message (this cycle's byte is its first)
    input  logic        crc_valid,   // crc_data is a byte of the message
    input  logic [7:0]  crc_data,
    output logic [31:0] crc_value    // the CRC of the bytes so far
);
  lfsr16 u_lfsr (
      .clk,
      .rst,
      .load (lfsr_load),
      .seed (lfsr_seed),
      .step (lfsr_step),
      .state(lfsr_state)
  );
  crc32 u_crc (
      .clk,
      .rst,
      .init (crc_init),
      .valid(crc_valid),
      .data (crc_data),
      .crc  (crc_value)
  );
endmodule
