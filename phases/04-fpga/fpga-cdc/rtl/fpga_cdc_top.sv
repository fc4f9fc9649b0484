// fpga_cdc_top: the lab's designs side by side, so the testbench simulates one
// Verilated model (one compile instead of nine). Domain A drives, domain B
// receives; the tests swap which clock is faster. Not a design of its own:
// `labctl synth fpga-cdc` synthesizes each module separately (lab.toml [[synth]]).
module fpga_cdc_top (
    input  logic         clk_a,
    input  logic         rst_a,
    input  logic         clk_b,
    input  logic         rst_b,
    // sync_2ff: a level from domain A into domain B
    input  logic         sync_d,
    output logic         sync_q,
    // pulse_sync: A -> B
    input  logic         pulse_in,
    output logic         pulse_out,
    // handshake_sync: 16-bit words A -> B
    input  logic         hs_send,
    input  logic [15:0]  hs_data,
    output logic         hs_ready,
    output logic         hs_valid,
    output logic [15:0]  hs_data_out,
    // async_fifo: written in A, read in B
    input  logic         fifo_push,
    input  logic [7:0]   fifo_wdata,
    output logic         fifo_full,
    output logic [3:0]   fifo_wptr_gray,
    input  logic         fifo_pop,
    output logic [7:0]   fifo_rdata,
    output logic         fifo_empty,
    output logic [3:0]   fifo_rptr_gray,
    // skid_buffer on clk_a
    input  logic         s_valid,
    input  logic [7:0]   s_data,
    output logic         s_ready,
    output logic         m_valid,
    output logic [7:0]   m_data,
    input  logic         m_ready,
    // axis_upsizer on clk_a: 8-bit beats in, 32-bit beats out
    input  logic         up_s_valid,
    input  logic [7:0]   up_s_data,
    output logic         up_s_ready,
    output logic         up_m_valid,
    output logic [31:0]  up_m_data,
    input  logic         up_m_ready,
    // fir_filter on clk_a: int8 samples in, int16 results out
    input  logic         fir_s_valid,
    input  logic [7:0]   fir_s_data,
    output logic         fir_s_ready,
    output logic         fir_m_valid,
    output logic [15:0]  fir_m_data,
    input  logic         fir_m_ready,
    // adder_tree on clk_a
    input  logic         tree_in_valid,
    input  logic [127:0] tree_in_data,
    output logic         tree_out_valid,
    output logic [18:0]  tree_out_sum,
    // axil_regfile on clk_a: an AXI4-Lite slave
    input  logic         axil_awvalid,
    output logic         axil_awready,
    input  logic [5:0]   axil_awaddr,
    input  logic         axil_wvalid,
    output logic         axil_wready,
    input  logic [31:0]  axil_wdata,
    input  logic [3:0]   axil_wstrb,
    output logic         axil_bvalid,
    input  logic         axil_bready,
    output logic [1:0]   axil_bresp,
    input  logic         axil_arvalid,
    output logic         axil_arready,
    input  logic [5:0]   axil_araddr,
    output logic         axil_rvalid,
    input  logic         axil_rready,
    output logic [31:0]  axil_rdata,
    output logic [1:0]   axil_rresp,
    input  logic [31:0]  axil_status,
    input  logic [7:0]   axil_irq_set,
    output logic [31:0]  axil_ctrl,
    output logic         axil_irq
);
  sync_2ff u_sync (.clk(clk_b), .rst(rst_b), .d(sync_d), .q(sync_q));

  pulse_sync u_pulse (.src_clk(clk_a), .src_rst(rst_a), .src_pulse(pulse_in),
                      .dst_clk(clk_b), .dst_rst(rst_b), .dst_pulse(pulse_out));

  handshake_sync #(.WIDTH(16)) u_hs (
      .src_clk(clk_a), .src_rst(rst_a), .src_send(hs_send), .src_data(hs_data), .src_ready(hs_ready),
      .dst_clk(clk_b), .dst_rst(rst_b), .dst_valid(hs_valid), .dst_data(hs_data_out));

  async_fifo #(.WIDTH(8), .AW(3)) u_fifo (
      .wr_clk(clk_a), .wr_rst(rst_a), .wr_push(fifo_push), .wr_data(fifo_wdata), .wr_full(fifo_full),
      .wr_ptr_gray(fifo_wptr_gray),
      .rd_clk(clk_b), .rd_rst(rst_b), .rd_pop(fifo_pop), .rd_data(fifo_rdata), .rd_empty(fifo_empty),
      .rd_ptr_gray(fifo_rptr_gray));

  skid_buffer #(.WIDTH(8)) u_skid (.clk(clk_a), .rst(rst_a), .s_valid(s_valid), .s_data(s_data), .s_ready(s_ready),
                                   .m_valid(m_valid), .m_data(m_data), .m_ready(m_ready));

  axis_upsizer u_up (.clk(clk_a), .rst(rst_a), .s_valid(up_s_valid), .s_data(up_s_data), .s_ready(up_s_ready),
                     .m_valid(up_m_valid), .m_data(up_m_data), .m_ready(up_m_ready));

  fir_filter u_fir (.clk(clk_a), .rst(rst_a), .s_valid(fir_s_valid), .s_data(fir_s_data), .s_ready(fir_s_ready),
                    .m_valid(fir_m_valid), .m_data(fir_m_data), .m_ready(fir_m_ready));

  adder_tree #(.W(16)) u_tree (.clk(clk_a), .rst(rst_a), .in_valid(tree_in_valid), .in_data(tree_in_data),
                               .out_valid(tree_out_valid), .out_sum(tree_out_sum));

  axil_regfile u_axil (
      .clk(clk_a), .rst(rst_a),
      .awvalid(axil_awvalid), .awready(axil_awready), .awaddr(axil_awaddr),
      .wvalid(axil_wvalid), .wready(axil_wready), .wdata(axil_wdata), .wstrb(axil_wstrb),
      .bvalid(axil_bvalid), .bready(axil_bready), .bresp(axil_bresp),
      .arvalid(axil_arvalid), .arready(axil_arready), .araddr(axil_araddr),
      .rvalid(axil_rvalid), .rready(axil_rready), .rdata(axil_rdata), .rresp(axil_rresp),
      .status(axil_status), .irq_set(axil_irq_set), .ctrl(axil_ctrl), .irq(axil_irq));
endmodule
