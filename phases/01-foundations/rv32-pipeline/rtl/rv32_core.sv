// rv32_core: a classic 5-stage in-order RV32I pipeline (IF ID EX MEM WB).
// Given with the lab; what you write is the hazard unit (student/hazard_unit.sv),
// which this file instantiates. ../README.md draws the pipeline.
//
//   IF   pc -> imem_addr; the word comes back in the same cycle (imem_rdata)
//   ID   decode, read the register file (a write in WB is seen in the same cycle)
//   EX   ALU, branch comparison, jump and branch targets: a taken branch or a
//        jump redirects fetch from here (the two younger instructions are squashed)
//   MEM  one data access per cycle, any alignment (dmem_*), loads extended here
//   WB   register write, and the retire port the testbench compares with the ISA
//        simulator's commit log
//
// Prediction: static not-taken (fetch always goes on at pc + 4).
// System calls: ecall waits in EX and MEM until everything older has retired;
// the testbench services it when it retires (ecall_result is written to a0).
// Coverage is measured on the hazard unit only: Verilator's toggle coverage of
// this datapath (about 1800 bits, each checked at every evaluation) made the
// simulation four times slower.
/* verilator coverage_off */
module rv32_core (
    input  logic        clk,
    input  logic        rst,
    input  logic [31:0] boot_pc,            // the program's entry point
    input  logic [31:0] boot_sp,            // x2 after reset (every other register is 0)
    // Instruction memory: the word at imem_addr, combinationally.
    output logic [31:0] imem_addr,
    input  logic [31:0] imem_rdata,
    // Data memory: one access of 1 << dmem_size bytes at any address.
    output logic        dmem_re,
    output logic        dmem_we,
    output logic [1:0]  dmem_size,          // 0 byte, 1 halfword, 2 word
    output logic [31:0] dmem_addr,
    output logic [31:0] dmem_wdata,         // the bytes to store, in the low bits
    input  logic [31:0] dmem_rdata,         // the bytes loaded, zero-extended
    // Retire port: the instruction in WB.
    output logic        retire_valid,
    output logic [31:0] retire_pc,
    output logic [31:0] retire_insn,
    output logic        retire_rd_we,       // it writes rd (never x0)
    output logic [4:0]  retire_rd,
    output logic [31:0] retire_rd_value,
    output logic        retire_store,
    output logic [1:0]  retire_store_size,
    output logic [31:0] retire_store_addr,
    output logic [31:0] retire_store_value,
    output logic        retire_ecall,
    output logic        retire_illegal,     // not RV32I, or ebreak: the testbench stops
    input  logic [31:0] ecall_result,       // a0 after the system call retiring now
    // What the pipeline is doing, for the testbench's messages and cycle accounting.
    output logic [31:0] pipe_pc_id,
    output logic [31:0] pipe_pc_ex,
    output logic [31:0] pipe_pc_mem,
    output logic [3:0]  pipe_valid,         // {ID, EX, MEM, WB} hold an instruction
    output logic        ev_load_use,        // this cycle: a load-use stall
    output logic        ev_ecall_wait,      // this cycle: a stall behind an ecall
    output logic        ev_flush            // this cycle: a redirect squashes IF and ID
);
  localparam logic [3:0] ALU_ADD = 4'd0, ALU_SUB = 4'd1, ALU_SLL = 4'd2, ALU_SLT = 4'd3, ALU_SLTU = 4'd4,
                         ALU_XOR = 4'd5, ALU_SRL = 4'd6, ALU_SRA = 4'd7, ALU_OR = 4'd8, ALU_AND = 4'd9;
  localparam logic [1:0] A_RS1 = 2'd0, A_PC = 2'd1, A_ZERO = 2'd2;
  localparam logic [1:0] FWD_REG = 2'd0, FWD_MEM = 2'd1, FWD_WB = 2'd2;

  // ---- hazard unit (student/hazard_unit.sv) -------------------------------------
  logic [1:0] fwd_a, fwd_b;
  logic stall_load_use, stall_ecall, flush;
  logic stall;

  // ---- IF -------------------------------------------------------------------------
  logic [31:0] pc;
  logic [31:0] ex_target;
  logic ex_redirect;

  assign imem_addr = pc;

  always_ff @(posedge clk) begin
    if (rst) pc <= boot_pc;
    else if (flush) pc <= ex_target;
    else if (!stall) pc <= pc + 32'd4;
  end

  // ---- IF/ID ----------------------------------------------------------------------
  logic        id_valid;
  logic [31:0] id_pc, id_insn;

  always_ff @(posedge clk) begin
    if (rst || flush) begin
      id_valid <= 1'b0;
      id_pc    <= '0;
      id_insn  <= '0;
    end else if (!stall) begin
      id_valid <= 1'b1;
      id_pc    <= pc;
      id_insn  <= imem_rdata;
    end
  end

  // ---- ID: decode -------------------------------------------------------------------
  logic [6:0] opcode, funct7;
  logic [2:0] funct3;
  logic [4:0] rs1, rs2, rd;
  assign opcode = id_insn[6:0];
  assign funct3 = id_insn[14:12];
  assign funct7 = id_insn[31:25];
  assign rs1    = id_insn[19:15];
  assign rs2    = id_insn[24:20];
  assign rd     = id_insn[11:7];

  logic [31:0] imm_i, imm_s, imm_b, imm_u, imm_j;
  assign imm_i = {{20{id_insn[31]}}, id_insn[31:20]};
  assign imm_s = {{20{id_insn[31]}}, id_insn[31:25], id_insn[11:7]};
  assign imm_b = {{19{id_insn[31]}}, id_insn[31], id_insn[7], id_insn[30:25], id_insn[11:8], 1'b0};
  assign imm_u = {id_insn[31:12], 12'b0};
  assign imm_j = {{11{id_insn[31]}}, id_insn[31], id_insn[19:12], id_insn[20], id_insn[30:21], 1'b0};

  // Control signals of the instruction in ID.
  logic        d_uses_rs1, d_uses_rs2, d_reg_write, d_b_imm;
  logic [1:0]  d_a_sel;
  logic [3:0]  d_alu;
  logic [31:0] d_imm;
  logic        d_load, d_store, d_branch, d_jal, d_jalr, d_ecall, d_illegal;

  always_comb begin
    d_uses_rs1 = 1'b0;
    d_uses_rs2 = 1'b0;
    d_reg_write = 1'b0;
    d_b_imm = 1'b1;
    d_a_sel = A_RS1;
    d_alu = ALU_ADD;
    d_imm = imm_i;
    d_load = 1'b0;
    d_store = 1'b0;
    d_branch = 1'b0;
    d_jal = 1'b0;
    d_jalr = 1'b0;
    d_ecall = 1'b0;
    d_illegal = 1'b0;
    unique case (opcode)
      7'b0110111: begin  // lui
        d_reg_write = 1'b1;
        d_a_sel = A_ZERO;
        d_imm = imm_u;
      end
      7'b0010111: begin  // auipc
        d_reg_write = 1'b1;
        d_a_sel = A_PC;
        d_imm = imm_u;
      end
      7'b1101111: begin  // jal
        d_reg_write = 1'b1;
        d_jal = 1'b1;
        d_imm = imm_j;
      end
      7'b1100111: begin  // jalr
        d_reg_write = 1'b1;
        d_jalr = 1'b1;
        d_uses_rs1 = 1'b1;
        d_illegal = funct3 != 3'b000;
      end
      7'b1100011: begin  // beq bne blt bge bltu bgeu
        d_branch = 1'b1;
        d_uses_rs1 = 1'b1;
        d_uses_rs2 = 1'b1;
        d_imm = imm_b;
        d_illegal = funct3 == 3'b010 || funct3 == 3'b011;
      end
      7'b0000011: begin  // lb lh lw lbu lhu
        d_reg_write = 1'b1;
        d_load = 1'b1;
        d_uses_rs1 = 1'b1;
        d_illegal = funct3 == 3'b011 || funct3 == 3'b110 || funct3 == 3'b111;
      end
      7'b0100011: begin  // sb sh sw
        d_store = 1'b1;
        d_uses_rs1 = 1'b1;
        d_uses_rs2 = 1'b1;
        d_imm = imm_s;
        d_illegal = funct3[2] || funct3[1:0] == 2'b11;
      end
      7'b0010011: begin  // addi slti sltiu xori ori andi slli srli srai
        d_reg_write = 1'b1;
        d_uses_rs1 = 1'b1;
        unique case (funct3)
          3'b000: d_alu = ALU_ADD;
          3'b010: d_alu = ALU_SLT;
          3'b011: d_alu = ALU_SLTU;
          3'b100: d_alu = ALU_XOR;
          3'b110: d_alu = ALU_OR;
          3'b111: d_alu = ALU_AND;
          3'b001: begin
            d_alu = ALU_SLL;
            d_illegal = funct7 != 7'b0000000;
          end
          default: begin  // 3'b101
            d_alu = funct7[5] ? ALU_SRA : ALU_SRL;
            d_illegal = funct7 != 7'b0000000 && funct7 != 7'b0100000;
          end
        endcase
      end
      7'b0110011: begin  // add sub sll slt sltu xor srl sra or and
        d_reg_write = 1'b1;
        d_uses_rs1 = 1'b1;
        d_uses_rs2 = 1'b1;
        d_b_imm = 1'b0;
        unique case (funct3)
          3'b000: d_alu = funct7[5] ? ALU_SUB : ALU_ADD;
          3'b001: d_alu = ALU_SLL;
          3'b010: d_alu = ALU_SLT;
          3'b011: d_alu = ALU_SLTU;
          3'b100: d_alu = ALU_XOR;
          3'b101: d_alu = funct7[5] ? ALU_SRA : ALU_SRL;
          3'b110: d_alu = ALU_OR;
          default: d_alu = ALU_AND;
        endcase
        // funct7 0100000 only for sub and sra; any other funct7 bit is not RV32I
        d_illegal = !(funct7 == 7'b0000000 || (funct7 == 7'b0100000 && (funct3 == 3'b000 || funct3 == 3'b101)));
      end
      7'b0001111: d_illegal = funct3 != 3'b000;  // fence: nothing to order in one in-order hart
      7'b1110011: begin
        d_ecall = id_insn == 32'h00000073;
        d_illegal = !d_ecall;                      // ebreak, CSRs: the testbench stops there
        d_reg_write = d_ecall;                     // a0 = the system call's result
      end
      default: d_illegal = 1'b1;
    endcase
  end

  // ---- register file: x0 reads 0; a write in WB is read in ID in the same cycle -----
  logic [31:0] regs[32];
  logic        wb_we;
  logic [4:0]  wb_rd_w;
  logic [31:0] wb_value;
  logic [31:0] id_rs1_value, id_rs2_value;

  always_ff @(posedge clk) begin
    if (rst) begin
      for (int i = 0; i < 32; i++) regs[i] <= (i == 2) ? boot_sp : 32'd0;
    end else if (wb_we) begin
      regs[wb_rd_w] <= wb_value;
    end
  end

  assign id_rs1_value = rs1 == 5'd0 ? 32'd0 : (wb_we && wb_rd_w == rs1) ? wb_value : regs[rs1];
  assign id_rs2_value = rs2 == 5'd0 ? 32'd0 : (wb_we && wb_rd_w == rs2) ? wb_value : regs[rs2];

  // ---- ID/EX ------------------------------------------------------------------------
  logic        ex_valid, ex_reg_write, ex_b_imm, ex_load, ex_store, ex_branch, ex_jal, ex_jalr, ex_ecall, ex_illegal;
  logic [1:0]  ex_a_sel;
  logic [3:0]  ex_alu;
  logic [2:0]  ex_funct3;
  logic [4:0]  ex_rs1, ex_rs2, ex_rd;
  logic [31:0] ex_pc, ex_insn, ex_imm, ex_rs1_value, ex_rs2_value;

  always_ff @(posedge clk) begin
    if (rst || flush || stall || !id_valid) begin  // a bubble: an instruction that does nothing
      ex_valid <= 1'b0;
      ex_reg_write <= 1'b0;
      ex_load <= 1'b0;
      ex_store <= 1'b0;
      ex_branch <= 1'b0;
      ex_jal <= 1'b0;
      ex_jalr <= 1'b0;
      ex_ecall <= 1'b0;
      ex_illegal <= 1'b0;
      ex_rs1 <= '0;
      ex_rs2 <= '0;
      ex_rd <= '0;
    end else begin
      ex_valid <= 1'b1;
      ex_reg_write <= d_reg_write && !d_illegal;
      ex_load <= d_load && !d_illegal;
      ex_store <= d_store && !d_illegal;
      ex_branch <= d_branch && !d_illegal;
      ex_jal <= d_jal;
      ex_jalr <= d_jalr && !d_illegal;
      ex_ecall <= d_ecall;
      ex_illegal <= d_illegal;
      // Unused source fields read as x0, so nothing forwards into them or waits for them.
      ex_rs1 <= d_uses_rs1 ? rs1 : 5'd0;
      ex_rs2 <= d_uses_rs2 ? rs2 : 5'd0;
      ex_rd <= d_ecall ? 5'd10 : (d_reg_write ? rd : 5'd0);
    end
    ex_pc <= id_pc;
    ex_insn <= id_insn;
    ex_imm <= d_imm;
    ex_a_sel <= d_a_sel;
    ex_b_imm <= d_b_imm;
    ex_alu <= d_alu;
    ex_funct3 <= funct3;
    ex_rs1_value <= id_rs1_value;
    ex_rs2_value <= id_rs2_value;
  end

  // ---- EX -----------------------------------------------------------------------------
  logic [31:0] mem_result;  // the EX/MEM result register, forwarded from MEM
  logic [31:0] fwd_a_value, fwd_b_value, alu_a, alu_b, alu_y, ex_result;
  logic        taken;

  always_comb begin
    unique case (fwd_a)
      FWD_MEM: fwd_a_value = mem_result;
      FWD_WB:  fwd_a_value = wb_value;
      FWD_REG: fwd_a_value = ex_rs1_value;
      default: fwd_a_value = ex_rs1_value;
    endcase
    unique case (fwd_b)
      FWD_MEM: fwd_b_value = mem_result;
      FWD_WB:  fwd_b_value = wb_value;
      FWD_REG: fwd_b_value = ex_rs2_value;
      default: fwd_b_value = ex_rs2_value;
    endcase
  end

  assign alu_a = ex_a_sel == A_PC ? ex_pc : ex_a_sel == A_ZERO ? 32'd0 : fwd_a_value;
  assign alu_b = ex_b_imm ? ex_imm : fwd_b_value;

  always_comb begin
    unique case (ex_alu)
      ALU_SUB:  alu_y = alu_a - alu_b;
      ALU_SLL:  alu_y = alu_a << alu_b[4:0];
      ALU_SLT:  alu_y = {31'd0, $signed(alu_a) < $signed(alu_b)};
      ALU_SLTU: alu_y = {31'd0, alu_a < alu_b};
      ALU_XOR:  alu_y = alu_a ^ alu_b;
      ALU_SRL:  alu_y = alu_a >> alu_b[4:0];
      ALU_SRA:  alu_y = $signed(alu_a) >>> alu_b[4:0];
      ALU_OR:   alu_y = alu_a | alu_b;
      ALU_AND:  alu_y = alu_a & alu_b;
      default:  alu_y = alu_a + alu_b;
    endcase
  end

  always_comb begin
    unique case (ex_funct3)
      3'b000:  taken = fwd_a_value == fwd_b_value;
      3'b001:  taken = fwd_a_value != fwd_b_value;
      3'b100:  taken = $signed(fwd_a_value) < $signed(fwd_b_value);
      3'b101:  taken = $signed(fwd_a_value) >= $signed(fwd_b_value);
      3'b110:  taken = fwd_a_value < fwd_b_value;
      default: taken = fwd_a_value >= fwd_b_value;
    endcase
  end

  assign ex_redirect = ex_jal || ex_jalr || (ex_branch && taken);
  assign ex_target = ex_jalr ? ((fwd_a_value + ex_imm) & ~32'd1) : ex_pc + ex_imm;
  assign ex_result = (ex_jal || ex_jalr) ? ex_pc + 32'd4 : alu_y;

  // ---- EX/MEM -------------------------------------------------------------------------
  logic        mem_valid, mem_reg_write, mem_load, mem_store, mem_ecall, mem_illegal;
  logic [2:0]  mem_funct3;
  logic [4:0]  mem_rd;
  logic [31:0] mem_pc, mem_insn, mem_store_data;

  always_ff @(posedge clk) begin
    if (rst) begin
      mem_valid <= 1'b0;
      mem_reg_write <= 1'b0;
      mem_load <= 1'b0;
      mem_store <= 1'b0;
      mem_ecall <= 1'b0;
      mem_illegal <= 1'b0;
      mem_rd <= '0;
    end else begin
      mem_valid <= ex_valid;
      mem_reg_write <= ex_reg_write;
      mem_load <= ex_load;
      mem_store <= ex_store;
      mem_ecall <= ex_ecall;
      mem_illegal <= ex_illegal;
      mem_rd <= ex_rd;
    end
    mem_pc <= ex_pc;
    mem_insn <= ex_insn;
    mem_funct3 <= ex_funct3;
    mem_result <= ex_result;
    mem_store_data <= fwd_b_value;
  end

  // ---- MEM ----------------------------------------------------------------------------
  logic [31:0] store_bytes, load_value, mem_value;
  assign store_bytes = mem_funct3[1:0] == 2'd0 ? {24'd0, mem_store_data[7:0]}
                     : mem_funct3[1:0] == 2'd1 ? {16'd0, mem_store_data[15:0]} : mem_store_data;
  assign dmem_re = mem_load;
  assign dmem_we = mem_store;
  assign dmem_size = mem_funct3[1:0];
  assign dmem_addr = mem_result;
  assign dmem_wdata = store_bytes;

  always_comb begin
    unique case (mem_funct3)
      3'b000:  load_value = {{24{dmem_rdata[7]}}, dmem_rdata[7:0]};     // lb
      3'b001:  load_value = {{16{dmem_rdata[15]}}, dmem_rdata[15:0]};   // lh
      3'b100:  load_value = {24'd0, dmem_rdata[7:0]};                   // lbu
      3'b101:  load_value = {16'd0, dmem_rdata[15:0]};                  // lhu
      default: load_value = dmem_rdata;                                 // lw
    endcase
  end
  assign mem_value = mem_load ? load_value : mem_result;

  // ---- MEM/WB -------------------------------------------------------------------------
  logic        wb_valid, wb_reg_write, wb_store, wb_ecall, wb_illegal;
  logic [1:0]  wb_store_size;
  logic [4:0]  wb_rd;
  logic [31:0] wb_pc, wb_insn, wb_result, wb_store_addr, wb_store_value;

  always_ff @(posedge clk) begin
    if (rst) begin
      wb_valid <= 1'b0;
      wb_reg_write <= 1'b0;
      wb_store <= 1'b0;
      wb_ecall <= 1'b0;
      wb_illegal <= 1'b0;
      wb_rd <= '0;
    end else begin
      wb_valid <= mem_valid;
      wb_reg_write <= mem_reg_write;
      wb_store <= mem_store;
      wb_ecall <= mem_ecall;
      wb_illegal <= mem_illegal;
      wb_rd <= mem_rd;
    end
    wb_pc <= mem_pc;
    wb_insn <= mem_insn;
    wb_result <= mem_value;
    wb_store_size <= mem_funct3[1:0];
    wb_store_addr <= mem_result;
    wb_store_value <= store_bytes;
  end

  // ---- WB -----------------------------------------------------------------------------
  assign wb_value = wb_ecall ? ecall_result : wb_result;
  assign wb_we = wb_reg_write && wb_rd != 5'd0;
  assign wb_rd_w = wb_rd;

  assign retire_valid = wb_valid;
  assign retire_pc = wb_pc;
  assign retire_insn = wb_insn;
  assign retire_rd_we = wb_we;
  assign retire_rd = wb_rd;
  assign retire_rd_value = wb_value;
  assign retire_store = wb_store;
  assign retire_store_size = wb_store_size;
  assign retire_store_addr = wb_store_addr;
  assign retire_store_value = wb_store_value;
  assign retire_ecall = wb_ecall;
  assign retire_illegal = wb_illegal;

  // ---- the hazard unit ----------------------------------------------------------------
  hazard_unit hazards (
      .id_valid(id_valid),
      .id_rs1(d_uses_rs1 ? rs1 : 5'd0),
      .id_rs2(d_uses_rs2 ? rs2 : 5'd0),
      .ex_rs1(ex_rs1),
      .ex_rs2(ex_rs2),
      .ex_rd(ex_rd),
      .ex_reg_write(ex_reg_write),
      .ex_load(ex_load),
      .ex_ecall(ex_ecall),
      .ex_redirect(ex_redirect),
      .mem_rd(mem_rd),
      .mem_reg_write(mem_reg_write),
      .mem_ecall(mem_ecall),
      .wb_rd(wb_rd),
      .wb_reg_write(wb_reg_write),
      .fwd_a(fwd_a),
      .fwd_b(fwd_b),
      .stall_load_use(stall_load_use),
      .stall_ecall(stall_ecall),
      .flush(flush));
  assign stall = stall_load_use || stall_ecall;

  assign pipe_pc_id = id_pc;
  assign pipe_pc_ex = ex_pc;
  assign pipe_pc_mem = mem_pc;
  assign pipe_valid = {id_valid, ex_valid, mem_valid, wb_valid};
  assign ev_load_use = stall_load_use && !flush;
  assign ev_ecall_wait = stall_ecall && !stall_load_use && !flush;
  assign ev_flush = flush;
endmodule
/* verilator coverage_on */
