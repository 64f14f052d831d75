"""Small, realistic sales files in the three formats (as the channels export them)."""

import csv
import io

SHOPIFY_HEADER = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
]

ETSY_HEADER = [
    "Sale Date",
    "Item Name",
    "Buyer",
    "Quantity",
    "Price",
    "Coupon Code",
    "Coupon Details",
    "Discount Amount",
    "Shipping Discount",
    "Order Shipping",
    "Order Sales Tax",
    "Item Total",
    "Currency",
    "Transaction ID",
    "Listing ID",
    "Date Paid",
    "Date Shipped",
    "Ship Name",
    "Ship Address1",
    "Ship City",
    "Ship State",
    "Ship Zipcode",
    "Ship Country",
    "Order ID",
    "Variations",
    "Order Type",
    "Listings Type",
    "Payment Type",
    "InPerson Discount",
    "InPerson Location",
    "VAT Paid by Buyer",
    "SKU",
]


def to_csv(header: list[str], rows: list[dict], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def shopify_order(name, created, *lines, status="paid", cancelled="", refunded="0.00"):
    """Rows of one order as Shopify writes them: order-level columns only on its first line."""
    rows = []
    for i, (quantity, sku, price, item) in enumerate(lines):
        row = {
            "Name": name,
            "Lineitem quantity": quantity,
            "Lineitem sku": sku,
            "Lineitem price": price,
            "Lineitem name": item,
            "Lineitem requires shipping": "true",
            "Lineitem taxable": "true",
            "Vendor": "Kiln & Loom",
        }
        if i == 0:
            row.update(
                {
                    "Email": "ana@example.test",
                    "Financial Status": status,
                    "Paid at": created,
                    "Currency": "GBP",
                    "Created at": created,
                    "Cancelled at": cancelled,
                    "Refunded Amount": refunded,
                    "Billing Name": "Ana Silva",
                    "Billing Street": "1 Harbour Row, Leith",
                    "Payment Method": "Shopify Payments",
                    "Id": "5012345678901",
                    "Source": "web",
                    "Notes": "Gift wrap, please.\nThank you!",
                }
            )
        rows.append(row)
    return rows


def shopify_sample() -> bytes:
    return to_csv(
        SHOPIFY_HEADER,
        [
            *shopify_order(
                "#1001",
                "2024-03-01 10:15:32 +0000",
                ("2", "MUG-CEL-L", "28.00", "Celadon mug - Large"),
                ("1", "RUN-NAT", "1,045.00", "Linen runner"),
            ),
            *shopify_order("#1002", "2024-03-02 21:40:00 +0100", ("1", "MUG-CEL-L", "£28.00", "Celadon mug - Large")),
            *shopify_order("#1003", "2024-03-03 09:00:00 +0000", ("3", "RUN-NAT", "45.00", "Linen runner")),
        ],
    )


def etsy_sample() -> bytes:
    def item(date, name, quantity, price, transaction, order, sku):
        return {
            "Sale Date": date,
            "Item Name": name,
            "Buyer": "jo_makes",
            "Quantity": quantity,
            "Price": price,
            "Item Total": price,
            "Currency": "USD",
            "Transaction ID": transaction,
            "Listing ID": "1234567890",
            "Ship Country": "United States",
            "Order ID": order,
            "Variations": "Colour:Celadon",
            "Order Type": "online",
            "Listings Type": "listing",
            "Payment Type": "online_cc",
            "SKU": sku,
        }

    return to_csv(
        ETSY_HEADER,
        [
            item("03/15/24", "Celadon mug, large", "1", "$32.00", "3456789012", "2987654321", "MUG-CEL-L"),
            item("03/15/24", "Linen table runner", "2", "$1,120.00", "3456789013", "2987654321", "RUN-NAT"),
            item("03/18/24", "Celadon mug, large", "1", "32.00", "3456789020", "2987654399", "MUG-CEL-L"),
        ],
    )


def plain_sample() -> bytes:
    return (
        "\ufeffdate,sku,quantity,unit_price,channel,order_id\r\n"
        "2024-04-06,MUG-CEL-L,2,25.00,in_person,\r\n"
        "2024-04-06,MUG-CEL-L,2,25.00,in_person,\r\n"
        "2024-04-06,RUN-NAT,1,,Markets & studio shop,\r\n"
        "\r\n"
        "2024-04-07,MUG-CEL-L,-1,25.00,in_person,\r\n"
        '2024-04-08,RUN-NAT,1,"€1.234,50",wholesale,PO-77\r\n'
    ).encode("utf-8")
