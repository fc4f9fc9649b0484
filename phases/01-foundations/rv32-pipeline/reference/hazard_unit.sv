// hazard_unit: forwarding, the load-use stall and the squash after a redirect,
// for rv32_core (rtl/rv32_core.sv). The reference solution.
//
// Register numbers are 0 where an instruction has no such register (a source
// field that is an immediate, a bubble, an instruction that writes nothing), so
// "x0" also means "nothing to do".
module hazard_unit (
    input  logic       id_valid,
    input  logic [4:0] id_rs1,          // the sources of the instruction in ID
    input  logic [4:0] id_rs2,
    input  logic [4:0] ex_rs1,          // the sources of the instruction in EX
    input  logic [4:0] ex_rs2,
    input  logic [4:0] ex_rd,           // what EX, MEM and WB will write
    input  logic       ex_reg_write,
    input  logic       ex_load,         // EX holds a load: its value exists only after MEM
    input  logic       ex_ecall,        // EX holds an ecall: a0 is known only in WB
    input  logic       ex_redirect,     // EX holds a taken branch or a jump
    input  logic [4:0] mem_rd,
    input  logic       mem_reg_write,
    input  logic       mem_ecall,
    input  logic [4:0] wb_rd,
    input  logic       wb_reg_write,
    output logic [1:0] fwd_a,           // EX's first operand: 0 register file, 1 from MEM, 2 from WB
    output logic [1:0] fwd_b,           // EX's second operand (also the store data), the same
    output logic       stall_load_use,  // hold IF and ID one cycle, a bubble into EX
    output logic       stall_ecall,     // the same, while an ecall is in EX or MEM
    output logic       flush            // squash IF and ID, fetch from the redirect's target
);
  localparam logic [1:0] FWD_REG = 2'd0, FWD_MEM = 2'd1, FWD_WB = 2'd2;

  // Forwarding: the newest value wins, so MEM (one instruction older than EX)
  // before WB (two older); x0 is never forwarded.
  always_comb begin
    fwd_a = FWD_REG;
    if (mem_reg_write && mem_rd != 5'd0 && mem_rd == ex_rs1) fwd_a = FWD_MEM;
    else if (wb_reg_write && wb_rd != 5'd0 && wb_rd == ex_rs1) fwd_a = FWD_WB;
    fwd_b = FWD_REG;
    if (mem_reg_write && mem_rd != 5'd0 && mem_rd == ex_rs2) fwd_b = FWD_MEM;
    else if (wb_reg_write && wb_rd != 5'd0 && wb_rd == ex_rs2) fwd_b = FWD_WB;
  end

  // Load-use: a load in EX has no value to forward until it leaves MEM, so the
  // instruction in ID that reads its rd waits one cycle (then it takes it from WB).
  assign stall_load_use = id_valid && ex_load && ex_reg_write && ex_rd != 5'd0 &&
                          (ex_rd == id_rs1 || ex_rd == id_rs2);

  // System calls (given): nothing younger than an ecall leaves ID until the ecall
  // reaches WB, where the testbench services it and a0 is written.
  assign stall_ecall = id_valid && (ex_ecall || mem_ecall);

  // A taken branch or a jump in EX: the two younger instructions (in IF and ID)
  // were fetched on the not-taken guess and must not execute.
  assign flush = ex_redirect;
endmodule
