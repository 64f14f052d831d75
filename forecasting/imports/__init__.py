"""Sales file imports: Shopify orders exports, Etsy sold order items and plain CSVs.

reading  - bytes → decoded text, delimiter, header, detected format (or FileRefused)
formats  - one class per format: CSV records → rows of sale lines and row problems
values   - quantities, prices and dates as shops write them
service  - sales_import(): check every row, then write the good lines in one transaction
"""
