// rv32_core_fpga: for synthesis only (`labctl synth rv32-pipeline`). The
// core's ports (memories, retire port) are far more than an FPGA package has
// pins, so this wrapper feeds the memories' read data from a shift register
// on one pin and folds everything the core drives into one registered parity
// bit: nothing is optimized away, and the timing is the core's own.
module rv32_core_fpga (
    input  logic clk,
    input  logic rst,
    input  logic din,
    output logic dout
);
  logic [95:0] shift;
  always_ff @(posedge clk) shift <= {shift[94:0], din};

  logic [31:0] imem_addr, dmem_addr, dmem_wdata, retire_pc, retire_insn, retire_rd_value, retire_store_addr,
               retire_store_value, pipe_pc_id, pipe_pc_ex, pipe_pc_mem;
  logic [4:0] retire_rd;
  logic [3:0] pipe_valid;
  logic [1:0] dmem_size, retire_store_size;
  logic dmem_re, dmem_we, retire_valid, retire_rd_we, retire_store, retire_ecall, retire_illegal;
  logic ev_load_use, ev_ecall_wait, ev_flush;

  rv32_core core (
      .clk(clk), .rst(rst), .boot_pc(32'h00010000), .boot_sp(32'h7ffffff0),
      .imem_addr(imem_addr), .imem_rdata(shift[31:0]),
      .dmem_re(dmem_re), .dmem_we(dmem_we), .dmem_size(dmem_size), .dmem_addr(dmem_addr),
      .dmem_wdata(dmem_wdata), .dmem_rdata(shift[63:32]),
      .retire_valid(retire_valid), .retire_pc(retire_pc), .retire_insn(retire_insn),
      .retire_rd_we(retire_rd_we), .retire_rd(retire_rd), .retire_rd_value(retire_rd_value),
      .retire_store(retire_store), .retire_store_size(retire_store_size),
      .retire_store_addr(retire_store_addr), .retire_store_value(retire_store_value),
      .retire_ecall(retire_ecall), .retire_illegal(retire_illegal), .ecall_result(shift[95:64]),
      .pipe_pc_id(pipe_pc_id), .pipe_pc_ex(pipe_pc_ex), .pipe_pc_mem(pipe_pc_mem), .pipe_valid(pipe_valid),
      .ev_load_use(ev_load_use), .ev_ecall_wait(ev_ecall_wait), .ev_flush(ev_flush));

  always_ff @(posedge clk)
    dout <= ^{imem_addr, dmem_addr, dmem_wdata, retire_pc, retire_insn, retire_rd_value, retire_store_addr,
              retire_store_value, pipe_pc_id, pipe_pc_ex, pipe_pc_mem, retire_rd, pipe_valid, dmem_size,
              retire_store_size, dmem_re, dmem_we, retire_valid, retire_rd_we, retire_store, retire_ecall,
              retire_illegal, ev_load_use, ev_ecall_wait, ev_flush};
endmodule
