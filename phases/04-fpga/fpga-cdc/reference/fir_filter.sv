// fir_filter: an 8-tap FIR filter on an AXI4-Stream of int8 samples, written
// from the C++ model in ../model/fir_model.hpp: y[n] = sum_i c[i] * x[n - i].
// Widths from the model's numbers: products are 16 bits (int8 x int8), and
// the sum stays within +-17920, so it is 16 bits too. One output beat per
// input beat, from a register; s_ready = the output register is free.
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

  logic signed [7:0]  x[8];   // x[0] = x[n] (this beat), x[1..7] = the seven before it
  logic signed [7:0]  older[7];  // the seven previous samples
  logic signed [15:0] y;

  always_comb begin
    x[0] = s_data;
    for (int i = 1; i < 8; i++) x[i] = older[i-1];
    y = '0;
    for (int i = 0; i < 8; i++) y = y + 16'(x[i]) * 16'($signed(TAPS[8*i+:8]));
  end

  assign s_ready = !m_valid || m_ready;

  always_ff @(posedge clk) begin
    if (rst) begin
      m_valid <= 1'b0;
      for (int i = 0; i < 7; i++) older[i] <= '0;
    end else begin
      if (m_valid && m_ready) m_valid <= 1'b0;
      if (s_valid && s_ready) begin
        m_valid <= 1'b1;
        for (int i = 0; i < 7; i++) older[i] <= x[i];
      end
    end
  end
  always_ff @(posedge clk) begin
    if (s_valid && s_ready) m_data <= y;
  end
endmodule
