"""What people look for and don't find: anonymous search events (`events`), buffered recording outside the request
(`recorder`), the region and national figures (`dashboard`), and retention (`retention`). No Flask here."""
