// alu: your ALU. Combinational: y and the flags follow a, b and op within the
// same cycle. The operation codes and the flag rules are in ../README.md.
// Build and test: tools/labctl test hdl-alu
module alu #(
    parameter int WIDTH = 8
) (
    input  logic [3:0]       op,
    input  logic [WIDTH-1:0] a,
    input  logic [WIDTH-1:0] b,
    output logic [WIDTH-1:0] y,
    output logic             n,   // negative: the sign bit of y
    output logic             z,   // zero: y == 0
    output logic             c,   // carry: ADD carry out, SUB no borrow, shifts the last bit out
    output logic             v    // overflow: the signed result does not fit (ADD, SUB)
);
  localparam logic [3:0] OP_ADD = 4'd0, OP_SUB = 4'd1, OP_AND = 4'd2, OP_OR = 4'd3, OP_XOR = 4'd4,
                         OP_SLL = 4'd5, OP_SRL = 4'd6, OP_SRA = 4'd7, OP_SLT = 4'd8, OP_SLTU = 4'd9;
  localparam int SW = $clog2(WIDTH);

  logic [SW-1:0] shamt;
  assign shamt = b[SW-1:0];  // shifts move a by b[2:0] places

  always_comb begin
    y = '0;
    c = 1'b0;
    v = 1'b0;
    case (op)
      // TODO(1): ADD and SUB: y = a + b or a - b, c = the carry out of ADD, or 1 when SUB does not borrow (a >= b unsigned), v = signed overflow.
      OP_ADD: y = '0;
      OP_SUB: y = '0;
      // TODO(2): AND, OR, XOR, and the shifts SLL, SRL, SRA by shamt; for shifts c = the last bit shifted out (0 when shamt is 0).
      OP_AND, OP_OR, OP_XOR, OP_SLL, OP_SRL, OP_SRA: y = '0;
      // TODO(3): SLT and SLTU: y = 1 when a < b (signed for SLT, unsigned for SLTU), else 0.
      OP_SLT, OP_SLTU: y = '0;
      default: y = '0;  // codes 10-15 are not operations: y = 0
    endcase
    // TODO(4): the flags: n = the sign bit of y, z = 1 when y is zero (for every op).
    n = 1'b0;
    z = 1'b0;
  end
endmodule
