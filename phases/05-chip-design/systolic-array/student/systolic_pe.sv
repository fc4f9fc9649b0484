// systolic_pe: your processing element of the output-stationary array
// (README.md, "The RTL"). rtl/systolic_array_os.sv wires ROWS x COLS
// of them: a enters from the left and leaves to the right, b enters from the
// top and leaves downwards, one PE per cycle.
//
// The testbench (tests/test_rtl.cpp) runs whole GEMMs through arrays of
// 4x4, 3x5 and 8x8 PEs and checks every accumulator and every fold's cycle
// count against the C++ model.
module systolic_pe (
    input  logic               clk,
    input  logic               rst,
    input  logic signed [7:0]  a_in,
    input  logic               a_valid,
    input  logic               a_first,
    input  logic               a_last,
    input  logic signed [7:0]  b_in,
    input  logic               b_valid,
    output logic signed [7:0]  a_out,
    output logic               a_valid_out,
    output logic               a_first_out,
    output logic               a_last_out,
    output logic signed [7:0]  b_out,
    output logic               b_valid_out,
    output logic signed [31:0] acc,
    output logic               last_mac
);
  always_ff @(posedge clk) begin
    if (rst) begin
      a_valid_out <= 1'b0;
      b_valid_out <= 1'b0;
      a_first_out <= 1'b0;
      a_last_out  <= 1'b0;
      a_out       <= '0;
      b_out       <= '0;
      acc         <= '0;
      last_mac    <= 1'b0;
    end else begin
      // TODO(4): the systolic hand-off (a_out, a_valid_out, a_first_out, a_last_out, b_out, b_valid_out): register each input for the neighbouring PE, one cycle later.
      a_out       <= '0;
      a_valid_out <= 1'b0;
      a_first_out <= 1'b0;
      a_last_out  <= 1'b0;
      b_out       <= '0;
      b_valid_out <= 1'b0;
      // TODO(5): the multiply-accumulate (acc): when a_valid and b_valid, acc = (a_first ? 0 : acc) + a_in * b_in, signed int8 x int8 into int32.
      acc <= acc;
      // TODO(6): last_mac (done): high for one cycle after the MAC of a pair marked a_last.
      last_mac <= 1'b0;
    end
  end

  // Inputs the stub does not use yet (delete this once they are used).
  logic unused;
  assign unused = ^{a_in, a_valid, a_first, a_last, b_in, b_valid};
endmodule
