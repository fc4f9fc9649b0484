// axis_upsizer: an AXI4-Stream width converter, 8-bit beats in, 32-bit beats
// out: four input beats make one output beat, the first in the low byte
// (little-endian, as AXI packs narrow beats into a wide bus). The output is
// registered; s_ready may depend on m_ready (it is 1 while the output
// register is free or being emptied, or the word is not yet complete), so a
// beat goes in every cycle while the output keeps up.
module axis_upsizer (
    input  logic        clk,
    input  logic        rst,
    input  logic        s_valid,
    input  logic [7:0]  s_data,
    output logic        s_ready,
    output logic        m_valid,
    output logic [31:0] m_data,
    input  logic        m_ready
);
  logic [1:0]  count;     // bytes of the word collected so far
  logic [23:0] partial;   // those bytes

  wire last = count == 2'd3;
  assign s_ready = !last || !m_valid || m_ready;

  always_ff @(posedge clk) begin
    if (rst) begin
      count   <= '0;
      m_valid <= 1'b0;
    end else begin
      if (m_valid && m_ready) m_valid <= 1'b0;
      if (s_valid && s_ready) begin
        count <= count + 2'd1;
        if (last) m_valid <= 1'b1;
      end
    end
  end
  always_ff @(posedge clk) begin
    if (s_valid && s_ready) begin
      if (last) m_data <= {s_data, partial};
      else partial[count*8+:8] <= s_data;
    end
  end
endmodule
