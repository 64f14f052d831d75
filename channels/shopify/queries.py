"""The GraphQL documents the Shopify client sends (Admin API 2025-04 or later).

Every document is named: the operation name is how the client remembers each
operation's cost, and how the fake server in the tests tells them apart.
Connection sizes are variables, sized to the payload, because Shopify charges
the *requested* size up front (`first: 250` on a product with 2 variants would
reserve hundreds of points for nothing).
"""

PRODUCT_LOOKUP = """
query AtelierProductLookup($identifier: ProductIdentifierInput!, $variants: Int!, $media: Int!) {
  productByIdentifier(identifier: $identifier) {
    id
    handle
    variants(first: $variants) { nodes { id sku } }
    media(first: $media) { nodes { id alt ... on MediaImage { image { url } } } }
  }
}
"""

STAGED_UPLOADS = """
mutation AtelierStagedUploads($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}
"""

PRODUCT_SET = """
mutation AtelierProductSet($identifier: ProductSetIdentifiers!, $input: ProductSetInput!, $variants: Int!, $media: Int!) {
  productSet(identifier: $identifier, input: $input, synchronous: true) {
    product {
      id
      handle
      variants(first: $variants) { nodes { id sku } }
      media(first: $media) { nodes { id alt } }
    }
    userErrors { field message code }
  }
}
"""

_ORDER_FIELDS = """
  id
  name
  createdAt
  updatedAt
  cancelledAt
  currencyCode
  lineItems(first: $lines) {
    pageInfo { hasNextPage }
    nodes { id sku quantity originalUnitPriceSet { shopMoney { amount } } }
  }
  refunds(first: $refunds) {
    refundLineItems(first: $refundLines) {
      pageInfo { hasNextPage }
      nodes { quantity lineItem { id } }
    }
  }
"""

ORDERS = (
    """
query AtelierOrders($first: Int!, $after: String, $query: String, $lines: Int!, $refunds: Int!, $refundLines: Int!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {"""
    + _ORDER_FIELDS
    + """    }
  }
}
"""
)

ORDER = (
    """
query AtelierOrder($id: ID!, $lines: Int!, $refunds: Int!, $refundLines: Int!) {
  order(id: $id) {"""
    + _ORDER_FIELDS
    + """  }
}
"""
)

# Stock: find each SKU's inventory item and its level per location, then set absolute quantities.
STOCK_LEVELS = """
query AtelierStockLevels($first: Int!, $query: String!, $levels: Int!) {
  productVariants(first: $first, query: $query) {
    nodes {
      id
      sku
      inventoryItem {
        id
        inventoryLevels(first: $levels) {
          nodes { location { id } quantities(names: ["available"]) { name quantity } }
        }
      }
    }
  }
}
"""

INVENTORY_SET = """
mutation AtelierInventorySet($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup {
      reason
      changes(quantityNames: ["available"]) { name delta quantityAfterChange item { id } location { id } }
    }
    userErrors { code field message }
  }
}
"""
