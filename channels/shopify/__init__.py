"""Shopify: everything about the Shopify channel lives in this folder.

`channel.ShopifyChannel` is what ATELIER_CHANNELS names; `client` is the GraphQL
Admin API client (ShopifyAPI's session and transport, cost-based throttling,
productSet upserts), `webhooks` and `orders` read Shopify's order shapes,
`csv_export` writes Shopify's product CSV. Importing this package loads neither
ShopifyAPI nor the network code.
"""
