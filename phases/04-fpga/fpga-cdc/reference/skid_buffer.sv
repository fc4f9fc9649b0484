// skid_buffer: one AXI4-Stream register slice with a registered s_ready.
// Full throughput (a beat per cycle while m_ready stays 1) and no
// combinational path from m_ready to s_ready, so a long pipeline of these
// closes timing: s_ready is a flip-flop. The price is the skid register: when
// m_ready drops, the beat that s_ready (one cycle late) still let in lands there.
module skid_buffer #(
    parameter int WIDTH = 8
) (
    input  logic             clk,
    input  logic             rst,
    input  logic             s_valid,
    input  logic [WIDTH-1:0] s_data,
    output logic             s_ready,
    output logic             m_valid,
    output logic [WIDTH-1:0] m_data,
    input  logic             m_ready
);
  logic             skid_valid;
  logic [WIDTH-1:0] skid_data;

  always_ff @(posedge clk) begin
    if (rst) begin
      m_valid    <= 1'b0;
      skid_valid <= 1'b0;
    end else if (m_ready || !m_valid) begin
      // The output register is free at this edge: the skid beat goes first.
      if (skid_valid) begin
        m_valid    <= 1'b1;
        skid_valid <= 1'b0;
      end else begin
        m_valid <= s_valid;  // s_ready is 1 whenever skid_valid is 0
      end
    end else if (s_valid && s_ready) begin
      skid_valid <= 1'b1;    // output stalled: park the beat
    end
  end
  always_ff @(posedge clk) begin
    if (m_ready || !m_valid) m_data <= skid_valid ? skid_data : s_data;
    if (!(m_ready || !m_valid) && s_valid && s_ready) skid_data <= s_data;
  end

  assign s_ready = !skid_valid;  // a flip-flop's output: no path from m_ready
endmodule
