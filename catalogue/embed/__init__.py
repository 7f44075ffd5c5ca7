"""The embeddable guide (no Flask): gemeente, region and wizard pages for other websites' iframes.

- `origins`: which websites may frame a region's pages (plain origins, validated) and the `frame-ancestors` directive;
- `branding`: the region's accent colour (with a readable text colour) and its uploaded logo (type and size checked);
- `links`: in an embedded page every link to the full guide opens in a new tab, with a spoken cue;
- `settings`: the coordinator's change of all three, validated as a whole and audited.
"""
