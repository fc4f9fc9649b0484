// hazard_unit: YOUR forwarding, load-use stall and squash-after-redirect logic
// for rv32_core (rtl/rv32_core.sv, given). ../README.md, "Hazards", explains
// each; the tests name the TODO a failure most likely comes from.
// Build and test: tools/labctl test rv32-pipeline
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

  // TODO(1): forward: set fwd_a (for ex_rs1) and fwd_b (for ex_rs2) to FWD_MEM when the instruction in MEM writes that register, else FWD_WB when the one in WB does, else FWD_REG; never for x0.
  assign fwd_a = FWD_REG;
  assign fwd_b = FWD_REG;

  // TODO(2): load-use stall: stall_load_use = 1 when ID holds an instruction that reads the rd of a load now in EX (not x0).
  assign stall_load_use = 1'b0;

  // System calls (given): nothing younger than an ecall leaves ID until the ecall
  // reaches WB, where the testbench services it and a0 is written.
  assign stall_ecall = id_valid && (ex_ecall || mem_ecall);

  // TODO(3): flush: squash the two instructions fetched after a taken branch or a jump in EX (ex_redirect).
  assign flush = 1'b0;
endmodule
