// uart: the lab's top level, a transmitter and a receiver sharing a baud
// divisor. The testbench wires txd to rxd for loopback, or drives rxd itself.
// (This file is the same in reference/ and student/.)
module uart (
    input  logic        clk,
    input  logic        rst,
    input  logic [15:0] divisor,        // clock cycles per bit, >= 4
    // transmitter: a byte is taken at a clock edge where tx_valid && tx_ready
    input  logic        tx_valid,
    input  logic [7:0]  tx_data,
    output logic        tx_ready,
    output logic        txd,            // the serial line, idle high
    // receiver
    input  logic        rxd,            // the serial line in (asynchronous)
    output logic        rx_valid,       // one-cycle pulse: rx_data holds a byte
    output logic [7:0]  rx_data,
    output logic        rx_frame_error  // one-cycle pulse: a frame's stop bit was 0
);
  uart_tx u_tx (
      .clk,
      .rst,
      .divisor,
      .valid(tx_valid),
      .data (tx_data),
      .ready(tx_ready),
      .txd
  );
  uart_rx u_rx (
      .clk,
      .rst,
      .divisor,
      .rxd,
      .valid      (rx_valid),
      .data       (rx_data),
      .frame_error(rx_frame_error)
  );
endmodule
