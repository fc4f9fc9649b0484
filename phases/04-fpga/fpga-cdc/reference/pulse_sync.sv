// pulse_sync: a one-cycle pulse in the source domain becomes a one-cycle pulse
// in the destination domain. The source turns each pulse into a change of a
// toggle flop, the level crosses through sync_2ff, and the destination turns
// each change back into a pulse. Pulses must be at least two destination
// periods apart (two changes inside one sampling period would cancel out).
module pulse_sync (
    input  logic src_clk,
    input  logic src_rst,
    input  logic src_pulse,
    input  logic dst_clk,
    input  logic dst_rst,
    output logic dst_pulse
);
  logic toggle, toggle_synced, toggle_seen;

  always_ff @(posedge src_clk) begin
    if (src_rst) toggle <= 1'b0;
    else toggle <= toggle ^ src_pulse;
  end

  sync_2ff u_sync (.clk(dst_clk), .rst(dst_rst), .d(toggle), .q(toggle_synced));

  always_ff @(posedge dst_clk) begin
    if (dst_rst) toggle_seen <= 1'b0;
    else toggle_seen <= toggle_synced;
  end

  assign dst_pulse = toggle_synced ^ toggle_seen;
endmodule
