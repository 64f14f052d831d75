"""Sales file imports: Shopify orders exports, Etsy sold order items and plain CSVs.

reading  - a stored file → encoding, delimiter, header, detected format (or FileRefused); rows streamed
formats  - one class per format: CSV records → rows of sale lines and row problems
values   - quantities, prices and dates as shops write them
service  - store an upload, then check and stage every row and write the good lines in short chunks (a background job)
"""
