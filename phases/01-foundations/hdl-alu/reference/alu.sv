// alu: the reference ALU. Combinational: y and the flags follow a, b and op
// within the same cycle. Operation codes and flag rules: ../README.md.
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
  logic [WIDTH:0] sum, diff;   // one bit wider: the carry (or borrow) lands on top
  logic [WIDTH:0] sll, srl, sra;  // shifts with one extra bit that catches the last bit out

  assign shamt = b[SW-1:0];
  assign sum   = {1'b0, a} + {1'b0, b};
  assign diff  = {1'b0, a} - {1'b0, b};
  assign sll   = {1'b0, a} << shamt;
  assign srl   = {a, 1'b0} >> shamt;
  assign sra   = $signed({a, 1'b0}) >>> shamt;

  always_comb begin
    y = '0;
    c = 1'b0;
    v = 1'b0;
    case (op)
      OP_ADD: begin
        y = sum[WIDTH-1:0];
        c = sum[WIDTH];
        v = (a[WIDTH-1] == b[WIDTH-1]) && (y[WIDTH-1] != a[WIDTH-1]);
      end
      OP_SUB: begin
        y = diff[WIDTH-1:0];
        c = ~diff[WIDTH];  // no borrow: a >= b unsigned (ARM's convention)
        v = (a[WIDTH-1] != b[WIDTH-1]) && (y[WIDTH-1] != a[WIDTH-1]);
      end
      OP_AND: y = a & b;
      OP_OR:  y = a | b;
      OP_XOR: y = a ^ b;
      OP_SLL: begin
        y = sll[WIDTH-1:0];
        c = sll[WIDTH];
      end
      OP_SRL: begin
        y = srl[WIDTH:1];
        c = srl[0];
      end
      OP_SRA: begin
        y = sra[WIDTH:1];
        c = sra[0];
      end
      OP_SLT:  y = {{(WIDTH - 1) {1'b0}}, $signed(a) < $signed(b)};
      OP_SLTU: y = {{(WIDTH - 1) {1'b0}}, a < b};
      default: y = '0;  // codes 10-15 are not operations
    endcase
    n = y[WIDTH-1];
    z = y == '0;
  end
endmodule
