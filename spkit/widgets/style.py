"""The wizard's look: one small stylesheet (a ``<style>`` in an HTML widget) and the widths every
field shares, so labels line up and nothing is cut off in JupyterLab or Voilà."""

from __future__ import annotations

import ipywidgets as w

LABEL_WIDTH = "240px"  # "Dedicated application account" and "Central Administration port" fit
FIELD_WIDTH = "640px"
FIELD_STYLE = {"description_width": LABEL_WIDTH}
# Where the inputs start (the label's width and the widget's own margin): buttons, choices and messages
# that line up with the inputs start there (CSS class ``spkit-indent``). In a step narrower than 620 px
# (a JupyterLab cell beside the file browser) labels go above their inputs and nothing is indented.
INPUT_INDENT = f"calc({LABEL_WIDTH} + 8px)"
# Below these widths of a step, a field's message cannot stand beside it: it goes under the input,
# in line with it (a field row with a button beside the input needs more room).
NARROW = "900px"
NARROW_WIDE_ROW = "1010px"

CSS = f"""
.spkit-app {{ font-family: var(--jp-ui-font-family, system-ui, sans-serif); color: #1f2328;
  max-width: 1140px; }}
.spkit-app .widget-label {{ font-weight: 500; }}
.spkit-app .widget-html-content {{ line-height: 1.45; }}
.spkit-app .widget-toggle-button.mod-active {{ background: #0969da; color: #ffffff; }}
.spkit-app .widget-radio-box label {{ line-height: 1.7; }}
.spkit-app .widget-text.spkit-short input {{ flex: 0 1 160px; }}
.spkit-app .widget-text input:disabled {{ opacity: 1; color: #1f2328; background: #f6f8fa; }}
.spkit-app .widget-select select, .spkit-app .widget-dropdown select {{ max-width: 100%; }}
.spkit-panel {{ border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 18px !important;
  margin: 0 0 14px 0 !important; background: #ffffff; box-sizing: border-box; max-width: 100%; }}
.spkit-panel-title {{ font-size: 1.15em; font-weight: 600; margin: 0 0 6px 0; }}
.spkit-card-title {{ font-size: 1.05em; font-weight: 600; }}
.spkit-steps ol {{ list-style: none; display: flex; flex-wrap: wrap; gap: 4px; padding: 0; margin: 4px 0 8px 0; }}
.spkit-steps li {{ padding: 4px 10px; border-radius: 12px; background: #f0f2f4; color: #57606a;
  font-size: 0.92em; white-space: nowrap; }}
.spkit-steps li.spkit-done {{ background: #dafbe1; color: #116329; }}
.spkit-steps li.spkit-current {{ background: #0969da; color: #ffffff; font-weight: 600; }}
.spkit-step {{ container-type: inline-size; }}
.spkit-step-title {{ font-size: 1.3em; font-weight: 600; margin: 6px 0 2px 0; }}
.spkit-intro {{ color: #57606a; margin: 0 0 10px 0; max-width: 900px; line-height: 1.45; }}
.spkit-row {{ align-items: flex-start; gap: 10px; flex-wrap: wrap; }}
.spkit-row > .widget-button, .spkit-row > .widget-upload {{ flex: 0 0 auto; }}
.spkit-indent {{ margin-left: {INPUT_INDENT} !important; }}
.spkit-field-error, .spkit-field-note {{ line-height: 1.35; padding-top: 4px; max-width: 460px; }}
.spkit-field-error {{ color: #cf222e; }}
.spkit-field-error b {{ font-weight: 600; }}
.spkit-field-note {{ color: #57606a; }}
.spkit-field-note.spkit-warning {{ color: #9a6700; }}
.spkit-fix {{ color: #57606a; }}
.spkit-messages {{ max-width: 460px; }}
.spkit-messages > .spkit-field-error + .spkit-field-note, .spkit-messages > * + * {{ padding-top: 2px; }}
@container (max-width: {NARROW}) {{
  .spkit-field-row > .spkit-messages {{ flex: 1 1 100% !important; max-width: none;
    margin: -8px 0 4px {INPUT_INDENT} !important; }}
}}
@container (max-width: {NARROW_WIDE_ROW}) {{
  .spkit-field-row-wide > .spkit-messages {{ flex: 1 1 100% !important; max-width: none;
    margin: -8px 0 4px {INPUT_INDENT} !important; }}
}}
@container (max-width: 620px) {{
  .spkit-step .widget-text, .spkit-step .widget-dropdown, .spkit-step .widget-select {{ flex-wrap: wrap;
    width: calc(100% - 4px) !important; height: auto !important; }}
  .spkit-step .widget-dropdown > select {{ height: var(--jp-widgets-inline-height, 28px); }}
  .spkit-step .widget-text > .widget-label, .spkit-step .widget-dropdown > .widget-label,
  .spkit-step .widget-select > .widget-label {{ width: 100% !important; text-align: left; }}
  .spkit-step .spkit-indent, .spkit-field-row > .spkit-messages, .spkit-field-row-wide > .spkit-messages {{
    margin-left: 2px !important; }}
}}
@container (max-width: 680px) {{
  .spkit-field-row > .widget-text, .spkit-field-row > .widget-dropdown,
  .spkit-field-row-wide > .widget-text {{ width: 100% !important;
    min-width: 0; flex: 1 1 auto !important; }}
}}
.spkit-message {{ padding: 8px 12px; border-radius: 6px; margin: 6px 0; line-height: 1.45; max-width: 900px;
  box-sizing: border-box; }}
.spkit-info {{ background: #ddf4ff; border: 1px solid #54aeff66; }}
.spkit-warn {{ background: #fff8c5; border: 1px solid #d4a72c66; }}
.spkit-ok {{ background: #dafbe1; border: 1px solid #4ac26b66; }}
.spkit-bad {{ background: #ffebe9; border: 1px solid #ff818266; }}
.spkit-code {{ font-family: var(--jp-code-font-family, monospace); font-size: 1.35em; letter-spacing: 0.12em;
  font-weight: 700; padding: 2px 8px; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; }}
.spkit-app code.spkit-cmd {{ white-space: nowrap; font-family: var(--jp-code-font-family, monospace);
  font-size: 0.95em; padding: 1px 4px; background: #ffffffaa; border-radius: 3px; }}
.spkit-app .spkit-path {{ overflow-wrap: anywhere; }}
.spkit-scroll {{ overflow-x: auto; max-width: 100%; }}
.spkit-app table.spkit-table {{ border-collapse: collapse; margin: 6px 0; font-size: 0.93em; }}
.spkit-app table.spkit-table th, .spkit-app table.spkit-table td {{ text-align: left; vertical-align: top;
  padding: 4px 10px; border-bottom: 1px solid #d8dee4; white-space: nowrap; }}
.spkit-app table.spkit-table td.spkit-detail {{ white-space: normal; overflow-wrap: break-word;
  word-break: normal; min-width: 220px; }}
@container (max-width: 760px) {{  /* a narrow cell: a step's name may wrap, between words only */
  .spkit-app table.spkit-table td.spkit-step-name {{ white-space: normal; word-break: normal;
    overflow-wrap: normal; min-width: 8em; }}
}}
.spkit-app a, .spkit-app a:visited {{ color: #0969da; text-decoration: underline; }}
.spkit-app table.spkit-table th {{ background: #f6f8fa; font-weight: 600; }}
.spkit-app table.spkit-table td.spkit-num {{ text-align: right; }}
.spkit-status {{ font-weight: 600; white-space: nowrap; }}
.spkit-status-passed {{ color: #1a7f37; }}
.spkit-status-failed {{ color: #cf222e; }}
.spkit-status-warning {{ color: #9a6700; }}
.spkit-status-skipped {{ color: #6e7781; }}
.spkit-preview {{ font-family: var(--jp-code-font-family, monospace); font-size: 0.92em; white-space: pre;
  background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin: 6px 0;
  overflow-x: auto; max-width: 1000px; }}
.spkit-nav {{ gap: 8px; align-items: center; margin-top: 10px !important; border-top: 1px solid #d8dee4;
  padding-top: 10px !important; }}
.spkit-confirm {{ gap: 8px; align-items: center; flex-wrap: wrap; padding: 6px 10px !important;
  background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 6px; margin-top: 8px !important;
  box-sizing: border-box; max-width: 100%; }}
.spkit-confirm > .widget-html {{ flex: 1 1 320px; }}
.spkit-confirm > .widget-button {{ flex: 0 0 auto; }}
.spkit-progress {{ color: #57606a; font-style: italic; min-height: 1.4em; }}
.spkit-sub {{ font-weight: 600; margin: 10px 0 2px 0; }}
"""


def stylesheet() -> w.HTML:
    return w.HTML(f"<style>{CSS}</style>", layout=w.Layout(height="0px", margin="0", padding="0"))


def field_layout(width: str = FIELD_WIDTH) -> w.Layout:
    return w.Layout(width=width, flex="0 0 auto")


def message_layout() -> w.Layout:
    return w.Layout(flex="1 1 280px", min_width="220px", margin="0 0 0 6px")


def button_layout(width: str = "auto") -> w.Layout:
    return w.Layout(width=width, min_width="90px")
