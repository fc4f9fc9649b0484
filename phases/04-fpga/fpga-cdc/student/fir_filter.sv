// fir_filter: your 8-tap FIR filter on a stream of int8 samples, written from
// the C++ model in ../model/fir_model.hpp. Widths and timing: ../README.md.
module fir_filter (
    input  logic               clk,
    input  logic               rst,
    input  logic               s_valid,
    input  logic signed [7:0]  s_data,
    output logic               s_ready,
    output logic               m_valid,
    output logic signed [15:0] m_data,
    input  logic               m_ready
);
  // Tap i in bits [8*i +: 8] (a packed constant: Yosys 0.23 reads no unpacked ones).
  localparam logic [63:0] TAPS = {-8'sd3, 8'sd5, 8'sd20, 8'sd42, 8'sd42, 8'sd20, 8'sd5, -8'sd3};

  // TODO(9): fir_m_data, fir_m_valid: keep the 7 previous samples; on each beat taken, m_data <= sum of c[i] * x[n-i].
  // One output beat per input beat, from a register (16 bits: why is in the README); s_ready = !m_valid || m_ready.
  assign s_ready = 1'b1;
  assign m_valid = 1'b0;
  assign m_data = '0;
endmodule
