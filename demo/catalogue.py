"""Who works at the demo studio and what they make.

Plain data: the people, the studio profile, and forty products with the facts a
maker would vouch for (materials, techniques, sizes, care, the story in their own
words), their variants, how each is drawn, and how well it sells. It is one long
table on purpose: the catalogue reads best in one place, and there is no logic
here to split.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str  # "manager" or "artisan"
    makes: str = ""
    weekly_hours: int = 0  # hands-on making hours a week (production plans fill no more)

    @property
    def email(self) -> str:
        return f"{self.username}@kilnandloom.example"


PEOPLE: tuple[Person, ...] = (
    Person("manager", "Mara", "Quinn", "manager"),
    Person("ines", "Inès", "Duarte", "artisan", makes="stoneware", weekly_hours=24),
    Person("tomas", "Tomás", "Ferreira", "artisan", makes="woven textiles", weekly_hours=20),
    Person("priya", "Priya", "Nair", "artisan", makes="jewellery and candles", weekly_hours=16),
)

STUDIO = {
    "name": "Kiln & Loom Studio",
    "tagline": "Thrown, woven, hammered and poured by hand in an old dairy in Somerset",
    "brand_voice": (
        "We write the way we talk across the workbench: warm, plain and specific. We say what a piece is "
        "made of, how it was made and how to look after it, and we let the making speak rather than piling "
        "on adjectives. First person plural for the studio, first person singular when a maker tells the "
        "story of their own piece. British spelling. We like words such as thrown, woven, hammered, "
        "poured, small batch, everyday, made to last. We avoid 'luxury', 'perfect', 'must-have', "
        "exclamation marks and anything we cannot back up: no 'eco-friendly' or 'organic' unless the "
        "materials list says so. Variations from piece to piece are part of handmade work, and we say so "
        "honestly rather than apologise for them."
    ),
    "currency": "GBP",
    "marketplace_profiles": ["etsy", "shopify"],
    "weekly_making_hours": 84,
}

CATEGORIES: tuple[str, ...] = ("Ceramics", "Textiles", "Jewellery", "Candles")

# fmt: off
COLOURS: dict[str, RGB] = {
    # glazes
    "celadon": (138, 172, 152), "oatmeal": (216, 204, 182), "tenmoku": (78, 46, 32), "slate blue": (72, 96, 120),
    "chalk": (232, 228, 218), "rust": (168, 84, 52), "ash green": (128, 136, 100), "indigo": (52, 70, 112),
    "forest": (44, 62, 50), "porcelain white": (238, 236, 230),
    # yarns and cloth
    "natural": (214, 203, 184), "sage": (150, 162, 130), "charcoal": (70, 70, 72), "clay": (196, 122, 92),
    "moss": (92, 110, 70), "damson": (104, 48, 66), "navy": (44, 54, 84), "mustard": (196, 150, 62),
    "cream": (234, 226, 208), "oat": (206, 192, 168),
    # metals and stones
    "sterling silver": (202, 203, 206), "gold vermeil": (214, 176, 100), "brass": (190, 156, 86),
    "mixed metals": (202, 203, 206), "labradorite": (88, 112, 130), "garnet": (120, 26, 36),
    "moonstone": (214, 222, 232), "green chalcedony": (128, 168, 152),
    # candles: vessels and wax
    "amber glass": (142, 78, 32), "smoke glass": (62, 62, 66), "tin": (200, 201, 204), "beeswax": (222, 178, 96),
    "ivory": (244, 238, 224), "oxblood": (112, 38, 42), "ochre": (196, 146, 64), "blush": (226, 186, 176),
    "chalk glaze": (226, 222, 212),
}
# fmt: on


@dataclass(frozen=True)
class VariantSpec:
    code: str  # the last part of the SKU, e.g. "CEL" in CER-MUG-CEL
    title: str
    options: dict[str, str]
    colour: str  # a key of COLOURS, used for the photo
    accent: str = ""  # second colour: a dipped glaze, a stone, a stripe, the wax
    price: Decimal | None = None
    share: float = 1.0  # relative popularity among the product's variants
    label: str = ""  # the scent printed on a candle's label


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    title: str
    category: str
    maker: str
    shape: str  # a drawing in demo.photos
    price: Decimal
    materials: tuple[str, ...]
    techniques: tuple[str, ...]
    dimensions: str
    weight_grams: int
    care: str
    story: str
    minutes_per_unit: int
    batch_size: int
    weekly_units: float  # typical sales in an ordinary week, all variants together
    variants: tuple[VariantSpec, ...]
    made_to_order: bool = False
    lead_time_days: int = 0
    launched_weeks_ago: int | None = None  # None: on sale for the whole history
    seasonal: str = ""  # "winter": sells mostly in the cold months; "christmas": only October to Christmas


def _v(
    code: str,
    title: str,
    colour: str,
    *,
    accent: str = "",
    price: str | None = None,
    share: float = 1.0,
    label: str = "",
    **options: str,
) -> VariantSpec:
    opts = {"colourway": title.split(" / ")[0].lower()} if not options else options
    return VariantSpec(
        code=code,
        title=title,
        options=opts,
        colour=colour,
        accent=accent,
        price=Decimal(price) if price else None,
        share=share,
        label=label,
    )


GBP = Decimal

# The formatter leaves the tables alone: one product, one variant, one colour a line reads best.
# fmt: off
_STONEWARE_CARE = ("Dishwasher and microwave safe. The unglazed foot can be rough when new; a quick rub with "
                   "fine sandpaper keeps it kind to your table. Avoid sudden changes of temperature.")
_VASE_CARE = ("Glazed inside, so it holds water. Wash by hand. Not for the oven or the dishwasher; if the "
              "neck is narrow, a bottle brush gets the water line off.")
_LINEN_CARE = ("Machine wash at 40°C with like colours. Linen softens with every wash; line dry and iron "
               "while still damp if you like it crisp.")
_WOOL_CARE = ("Hand wash cold with a wool wash, or air it outside; wool rarely needs washing. Dry flat "
              "away from direct heat. Any pilling at first brushes off.")
_SILVER_CARE = ("Sterling silver darkens with time, especially when stored in air. Polish with the cloth "
                "we send, keep it in its pouch, and take it off for swimming and cleaning.")
_VERMEIL_CARE = ("Gold vermeil is a thick layer of gold over sterling silver. Keep it away from perfume, "
                 "lotions and chlorine, and polish gently with a soft dry cloth.")
_BRASS_CARE = ("Brass and silver both darken as they meet the air; that's the metal, not a fault. Polish "
               "with the cloth we send, and take it off for swimming and washing up.")
_CANDLE_CARE = ("On the first burn, let the wax melt right to the edge (about two hours) so it doesn't "
                "tunnel. Trim the wick to 5 mm before each lighting. Never leave a burning candle "
                "unattended, and burn it no longer than four hours at a time.")


PRODUCTS: tuple[ProductSpec, ...] = (
    # --- Ceramics: Inès -----------------------------------------------------------------
    ProductSpec(
        sku="CER-MUG", title="Everyday Stoneware Mug", category="Ceramics", maker="ines", shape="mug",
        price=GBP("32.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "pulled handle", "reduction fired to 1280°C"),
        dimensions="9.5 cm tall, 8.5 cm across, holds 350 ml", weight_grams=390, care=_STONEWARE_CARE,
        story=("I throw these in runs of twenty on Monday mornings, before the studio gets busy. The handle is "
               "pulled, not moulded, so it fits three fingers and a thumb and no two are quite the same. It's "
               "the mug I reach for first, which is how I knew it was finished."),
        minutes_per_unit=45, batch_size=20, weekly_units=11,
        variants=(_v("CEL", "Celadon", "celadon", share=1.4), _v("OAT", "Oatmeal", "oatmeal", share=1.1),
                  _v("TEN", "Tenmoku", "tenmoku", share=0.8), _v("SLB", "Slate Blue", "slate blue", share=0.9)),
    ),
    ProductSpec(
        sku="CER-LAT", title="Big Latte Mug", category="Ceramics", maker="ines", shape="mug",
        price=GBP("36.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "pulled handle", "reduction fired to 1280°C"),
        dimensions="10.5 cm tall, 10 cm across, holds 480 ml", weight_grams=470, care=_STONEWARE_CARE,
        story=("People kept asking for a bigger version of the everyday mug, one that takes a proper milky "
               "coffee. It's thrown a little wider and a little thinner at the rim so it still feels light."),
        minutes_per_unit=50, batch_size=16, weekly_units=4, launched_weeks_ago=30,
        variants=(_v("CHK", "Chalk", "chalk", share=1.2), _v("SLB", "Slate Blue", "slate blue")),
    ),
    ProductSpec(
        sku="CER-ESP", title="Espresso Cup", category="Ceramics", maker="ines", shape="espresso",
        price=GBP("22.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "turned foot", "reduction fired to 1280°C"),
        dimensions="6.5 cm tall, 7 cm across, holds 90 ml", weight_grams=160, care=_STONEWARE_CARE,
        story=("Small pots are the hardest to get right: there's nowhere to hide a heavy base. I turn the "
               "foot on each one so the cup sits low and steady on its saucer or straight on the table."),
        minutes_per_unit=30, batch_size=24, weekly_units=3.5,
        variants=(_v("TEN", "Tenmoku", "tenmoku", share=1.3), _v("CEL", "Celadon", "celadon"),
                  _v("CHK", "Chalk", "chalk", share=0.8)),
    ),
    ProductSpec(
        sku="CER-BKR", title="Dipped Tall Beaker", category="Ceramics", maker="ines", shape="beaker",
        price=GBP("26.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "double-dipped glaze", "reduction fired to 1280°C"),
        dimensions="12 cm tall, 7.5 cm across, holds 300 ml", weight_grams=320, care=_STONEWARE_CARE,
        story=("Each beaker is dipped twice, holding it by the foot, so the second glaze runs where gravity "
               "takes it. I never know exactly where the drips will stop until the kiln is opened."),
        minutes_per_unit=35, batch_size=20, weekly_units=4,
        variants=(_v("OIN", "Oatmeal / Indigo", "oatmeal", accent="indigo", share=1.3),
                  _v("CRU", "Chalk / Rust", "chalk", accent="rust")),
    ),
    ProductSpec(
        sku="CER-YUN", title="Yunomi Tea Bowl", category="Ceramics", maker="ines", shape="tea_bowl",
        price=GBP("30.00"),
        materials=("stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "trimmed foot ring", "reduction fired to 1280°C"),
        dimensions="8 cm tall, 9 cm across, holds 250 ml", weight_grams=280, care=_STONEWARE_CARE,
        story=("A handleless cup for green tea, held in both hands. I learnt to trim the foot ring from a "
               "potter in Mashiko and still do it the way she showed me, with a bamboo tool."),
        minutes_per_unit=35, batch_size=18, weekly_units=2.5,
        variants=(_v("TEN", "Tenmoku", "tenmoku", share=1.2), _v("ASH", "Ash Green", "ash green")),
    ),
    ProductSpec(
        sku="CER-BRK", title="Breakfast Bowl", category="Ceramics", maker="ines", shape="bowl",
        price=GBP("28.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "reduction fired to 1280°C"),
        dimensions="7 cm tall, 15 cm across", weight_grams=420, care=_STONEWARE_CARE,
        story=("Deep enough for porridge, wide enough for a salad. The rim is rolled slightly outward so a "
               "spoon rests without sliding in."),
        minutes_per_unit=35, batch_size=20, weekly_units=6,
        variants=(_v("CHK", "Chalk", "chalk", share=1.2), _v("CEL", "Celadon", "celadon"),
                  _v("ORU", "Oatmeal / Rust", "oatmeal", accent="rust", share=0.8)),
    ),
    ProductSpec(
        sku="CER-SRV", title="Large Serving Bowl", category="Ceramics", maker="ines", shape="serving_bowl",
        price=GBP("85.00"),
        materials=("stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "reduction fired to 1280°C"),
        dimensions="9 cm tall, 30 cm across", weight_grams=1650, care=_STONEWARE_CARE,
        story=("Big bowls take a whole bag of clay and a lot of patience; about one in four cracks in the "
               "drying. So I throw them to order, and yours is glazed and fired with the next full kiln."),
        minutes_per_unit=110, batch_size=4, weekly_units=0.8, made_to_order=True, lead_time_days=21,
        variants=(_v("SLB", "Slate Blue", "slate blue"), _v("CEL", "Celadon", "celadon")),
    ),
    ProductSpec(
        sku="CER-PLT", title="Side Plate", category="Ceramics", maker="ines", shape="plate",
        price=GBP("24.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown", "trimmed foot ring", "reduction fired to 1280°C"),
        dimensions="2.5 cm tall, 21 cm across", weight_grams=520, care=_STONEWARE_CARE,
        story=("Thrown flat on the wheel and trimmed the next day when it's leather hard. The slight rise "
               "at the rim keeps toast crumbs and olive stones where they belong."),
        minutes_per_unit=30, batch_size=20, weekly_units=4,
        variants=(_v("OAT", "Oatmeal", "oatmeal", share=1.1), _v("CHK", "Chalk", "chalk"),
                  _v("CEL", "Celadon", "celadon", share=0.9)),
    ),
    ProductSpec(
        sku="CER-BUD", title="Bud Vase", category="Ceramics", maker="ines", shape="bud_vase",
        price=GBP("38.00"),
        materials=("stoneware clay", "glaze"),
        techniques=("wheel-thrown", "collared neck", "reduction fired to 1280°C"),
        dimensions="18 cm tall, 8 cm across", weight_grams=360, care=_VASE_CARE,
        story=("Made for a single stem from the garden: a sweet pea, a sprig of rosemary, one tulip leaning "
               "the way tulips do. The neck is collared in by hand until it only just fits my finger."),
        minutes_per_unit=40, batch_size=12, weekly_units=3,
        variants=(_v("RST", "Rust", "rust", share=1.2), _v("CEL", "Celadon", "celadon"),
                  _v("CHK", "Chalk", "chalk", share=0.8)),
    ),
    ProductSpec(
        sku="CER-MOON", title="Porcelain Moon Jar", category="Ceramics", maker="ines", shape="moon_vase",
        price=GBP("145.00"),
        materials=("porcelain", "clear glaze"),
        techniques=("wheel-thrown in two halves", "joined at the belly", "fired to 1280°C"),
        dimensions="24 cm tall, 22 cm across", weight_grams=1900, care=_VASE_CARE,
        story=("Moon jars are thrown as two bowls and joined rim to rim, so each has a faint seam round its "
               "middle and leans a little, like the real moon is never quite round. I make them to order, "
               "a few at a time."),
        minutes_per_unit=180, batch_size=3, weekly_units=0.35, made_to_order=True, lead_time_days=28,
        variants=(_v("WHT", "Porcelain White", "porcelain white"),),
    ),
    ProductSpec(
        sku="CER-BTL", title="Bottle Vase", category="Ceramics", maker="ines", shape="bottle_vase",
        price=GBP("68.00"),
        materials=("stoneware clay", "glaze"),
        techniques=("wheel-thrown", "altered shoulder", "reduction fired to 1280°C"),
        dimensions="26 cm tall, 11 cm across", weight_grams=980, care=_VASE_CARE,
        story=("A tall, quiet form for dried grasses or a branch of blossom. The shoulder is pushed in from "
               "inside while the clay is still soft, which is the part I enjoy most."),
        minutes_per_unit=60, batch_size=8, weekly_units=1.5,
        variants=(_v("FOR", "Forest", "forest"), _v("TEN", "Tenmoku", "tenmoku")),
    ),
    ProductSpec(
        sku="CER-DIP", title="Little Dipping Bowls, set of three", category="Ceramics", maker="ines", shape="bowl",
        price=GBP("34.00"),
        materials=("speckled stoneware clay", "food-safe glaze"),
        techniques=("wheel-thrown off the hump", "reduction fired to 1280°C"),
        dimensions="each 4 cm tall, 9 cm across", weight_grams=330, care=_STONEWARE_CARE,
        story=("Thrown off the hump, one after another from a single lump of clay, which is why they sit so "
               "well together: salt, olive oil, a few capers."),
        minutes_per_unit=30, batch_size=15, weekly_units=2.5,
        variants=(_v("CEL", "Celadon", "celadon"), _v("OAT", "Oatmeal", "oatmeal")),
    ),
    # --- Textiles: Tomás -----------------------------------------------------------------
    ProductSpec(
        sku="TEX-TTW", title="Striped Linen Tea Towel", category="Textiles", maker="tomas", shape="tea_towel",
        price=GBP("18.00"),
        materials=("100% linen",),
        techniques=("handwoven on a floor loom", "hand-hemmed"),
        dimensions="70 × 48 cm", weight_grams=110, care=_LINEN_CARE,
        story=("I weave these in long warps of twelve, with the stripe planned so it falls near one end when "
               "the towel hangs from an oven door. They dry glasses without leaving lint, and get better "
               "every wash."),
        minutes_per_unit=50, batch_size=12, weekly_units=8,
        variants=(_v("IND", "Indigo Stripe", "indigo", share=1.4), _v("RST", "Rust Stripe", "rust"),
                  _v("SAG", "Sage Stripe", "sage", share=0.9)),
    ),
    ProductSpec(
        sku="TEX-WAF", title="Waffle Weave Hand Towel", category="Textiles", maker="tomas", shape="waffle_towel",
        price=GBP("24.00"),
        materials=("organic cotton", "linen"),
        techniques=("handwoven waffle weave", "hand-hemmed"),
        dimensions="80 × 45 cm", weight_grams=180, care=_LINEN_CARE,
        story=("Waffle weave puts little pockets in the cloth, so it's light but drinks up water. It takes "
               "me a whole afternoon to thread the loom for it, so I weave a long warp when I do."),
        minutes_per_unit=60, batch_size=10, weekly_units=4,
        variants=(_v("CLY", "Clay", "clay", share=1.2), _v("OAT", "Oat", "oat"),
                  _v("MOS", "Moss", "moss", share=0.8)),
    ),
    ProductSpec(
        sku="TEX-NAP", title="Linen Napkins, set of four", category="Textiles", maker="tomas", shape="napkins",
        price=GBP("36.00"),
        materials=("100% linen",),
        techniques=("handwoven", "mitred corners", "hand-hemmed"),
        dimensions="each 45 × 45 cm", weight_grams=220, care=_LINEN_CARE,
        story=("Mitred corners take longer, but they lie flat after years of washing. A set of four comes "
               "from one length of cloth, so the colour matches across the table."),
        minutes_per_unit=90, batch_size=6, weekly_units=3.5,
        variants=(_v("SAG", "Sage", "sage", share=1.2), _v("NAT", "Natural", "natural"),
                  _v("CHR", "Charcoal", "charcoal", share=0.8)),
    ),
    ProductSpec(
        sku="TEX-RUN", title="Herringbone Table Runner", category="Textiles", maker="tomas", shape="runner",
        price=GBP("48.00"),
        materials=("linen", "cotton"),
        techniques=("handwoven herringbone twill", "hand-knotted ends"),
        dimensions="35 cm wide; 180 or 240 cm long", weight_grams=320, care=_LINEN_CARE,
        story=("Herringbone is a twill that reverses every few threads, so the cloth catches the light in "
               "zigzags. I weave runners to length on a warp of four."),
        minutes_per_unit=150, batch_size=4, weekly_units=1.5,
        variants=(_v("NAT-180", "Natural / 180 cm", "natural", colourway="natural", length="180 cm", share=1.2),
                  _v("NAT-240", "Natural / 240 cm", "natural", colourway="natural", length="240 cm", price="58.00",
                     share=0.7),
                  _v("SLT-180", "Slate / 180 cm", "charcoal", colourway="slate", length="180 cm"),
                  _v("SLT-240", "Slate / 240 cm", "charcoal", colourway="slate", length="240 cm", price="58.00",
                     share=0.6)),
    ),
    ProductSpec(
        sku="TEX-THR", title="Lambswool Check Throw", category="Textiles", maker="tomas", shape="throw",
        price=GBP("145.00"),
        materials=("British lambswool",),
        techniques=("handwoven", "twisted fringe", "washed and brushed by hand"),
        dimensions="130 × 180 cm plus fringe", weight_grams=980, care=_WOOL_CARE,
        story=("The wool comes from a spinner in West Yorkshire. After weaving I wash the throw in the big "
               "sink and brush it with a teasel so the check softens and the cloth fills out. I weave each "
               "one when it's ordered."),
        minutes_per_unit=420, batch_size=2, weekly_units=0.9, made_to_order=True, lead_time_days=21,
        seasonal="winter",
        variants=(_v("MOS", "Moss Check", "moss", accent="cream", share=1.2),
                  _v("RST", "Rust Check", "rust", accent="cream")),
    ),
    ProductSpec(
        sku="TEX-SCF", title="Merino Pinstripe Scarf", category="Textiles", maker="tomas", shape="scarf",
        price=GBP("78.00"),
        materials=("merino wool",),
        techniques=("handwoven", "twisted fringe"),
        dimensions="30 × 190 cm plus fringe", weight_grams=190, care=_WOOL_CARE,
        story=("Fine merino, woven loosely so it drapes rather than bunches. The pinstripe is a single "
               "contrasting thread every few centimetres; you notice it up close."),
        minutes_per_unit=180, batch_size=4, weekly_units=1.8, seasonal="winter",
        variants=(_v("DAM", "Damson", "damson", accent="oat", share=1.2), _v("NAV", "Navy", "navy", accent="cream"),
                  _v("CHR", "Charcoal", "charcoal", accent="cream", share=0.9)),
    ),
    ProductSpec(
        sku="TEX-CUS", title="Handwoven Cushion Cover", category="Textiles", maker="tomas", shape="cushion",
        price=GBP("55.00"),
        materials=("linen", "wool"),
        techniques=("handwoven", "piped edge", "concealed zip"),
        dimensions="45 × 45 cm (cover only)", weight_grams=260, care=_LINEN_CARE,
        story=("Woven on the same loom as the throws, with a linen warp so it keeps its shape. The piping is "
               "cut from the same cloth, which takes longer but makes the edges crisp."),
        minutes_per_unit=120, batch_size=4, weekly_units=2,
        variants=(_v("MUS", "Mustard", "mustard", share=1.2), _v("NVS", "Navy Stripe", "navy", accent="cream")),
    ),
    ProductSpec(
        sku="TEX-TCK", title="Ticking Stripe Cushion Cover", category="Textiles", maker="tomas", shape="cushion",
        price=GBP("48.00"),
        materials=("100% linen",),
        techniques=("handwoven", "piped edge", "envelope back"),
        dimensions="40 × 40 cm (cover only)", weight_grams=210, care=_LINEN_CARE,
        story=("A bold ticking stripe in heavy linen, the kind of cloth that used to cover mattresses. The "
               "envelope back means no zip to break."),
        minutes_per_unit=100, batch_size=4, weekly_units=1.5, launched_weeks_ago=16,
        variants=(_v("RST", "Rust / Cream", "rust", accent="cream"),),
    ),
    ProductSpec(
        sku="TEX-DSH", title="Cotton Dish Cloths, set of three", category="Textiles", maker="tomas",
        shape="waffle_towel", price=GBP("16.00"),
        materials=("organic cotton",),
        techniques=("handwoven waffle weave",),
        dimensions="each 30 × 30 cm", weight_grams=120, care=_LINEN_CARE,
        story=("The ends of every waffle warp become dish cloths, so nothing goes to waste. They scrub "
               "well, dry quickly, and last for years."),
        minutes_per_unit=25, batch_size=12, weekly_units=4.5,
        variants=(_v("NAT", "Natural", "natural", share=1.2), _v("IND", "Indigo", "indigo")),
    ),
    ProductSpec(
        sku="TEX-TBC", title="Linen Tablecloth", category="Textiles", maker="tomas", shape="napkins",
        price=GBP("120.00"),
        materials=("100% linen",),
        techniques=("handwoven", "mitred corners", "hand-hemmed"),
        dimensions="150 cm wide; 200 or 250 cm long", weight_grams=900, care=_LINEN_CARE,
        story=("Woven in two widths and joined with a seam you have to look for. I weave each cloth to "
               "order in the length you need."),
        minutes_per_unit=480, batch_size=1, weekly_units=0.5, made_to_order=True, lead_time_days=14,
        variants=(_v("NAT-200", "Natural / 200 cm", "natural", colourway="natural", length="200 cm", share=1.2),
                  _v("NAT-250", "Natural / 250 cm", "natural", colourway="natural", length="250 cm",
                     price="140.00")),
    ),
    # --- Jewellery: Priya ----------------------------------------------------------------
    ProductSpec(
        sku="JWL-HAM", title="Hammered Silver Band", category="Jewellery", maker="priya", shape="hammered_ring",
        price=GBP("58.00"),
        materials=("recycled sterling silver",),
        techniques=("hand-forged", "hammer-textured", "hallmarked in Birmingham"),
        dimensions="4 mm wide, 1.5 mm thick", weight_grams=5, care=_SILVER_CARE,
        story=("I forge each band from a length of wire, solder it closed, then planish it on the mandrel "
               "with a ball-peen hammer until the whole surface catches the light."),
        minutes_per_unit=55, batch_size=6, weekly_units=3,
        variants=(_v("L", "Size L", "sterling silver", size="L"),
                  _v("N", "Size N", "sterling silver", size="N", share=1.3),
                  _v("P", "Size P", "sterling silver", size="P", share=0.9)),
    ),
    ProductSpec(
        sku="JWL-STK", title="Stacking Rings, set of three", category="Jewellery", maker="priya",
        shape="stacking_rings", price=GBP("72.00"),
        materials=("recycled sterling silver", "gold vermeil", "rose gold vermeil"),
        techniques=("hand-forged", "one band hammer-textured"),
        dimensions="each 1.5 mm wide", weight_grams=6, care=_VERMEIL_CARE,
        story=("Three fine bands to wear together or apart: one gold, one silver with a hammered finish, "
               "one rose. They're sized a touch apart so they sit snugly on one finger."),
        minutes_per_unit=70, batch_size=6, weekly_units=2.5,
        variants=(_v("M", "Size M", "mixed metals", accent="gold vermeil", size="M", share=1.2),
                  _v("O", "Size O", "mixed metals", accent="gold vermeil", size="O")),
    ),
    ProductSpec(
        sku="JWL-LAB", title="Labradorite Ring", category="Jewellery", maker="priya", shape="ring",
        price=GBP("95.00"),
        materials=("recycled sterling silver", "labradorite cabochon"),
        techniques=("bezel set", "hand-forged band"),
        dimensions="stone 8 mm, band 2 mm", weight_grams=6, care=_SILVER_CARE,
        story=("Labradorite looks grey until it turns in the light and flashes blue. I choose each stone "
               "by hand and make the ring in your size once you've ordered."),
        minutes_per_unit=120, batch_size=3, weekly_units=1.2, made_to_order=True, lead_time_days=10,
        variants=(_v("SLV", "Sterling Silver", "sterling silver", metal="sterling silver", accent="labradorite"),),
    ),
    ProductSpec(
        sku="JWL-GAR", title="Garnet Solitaire Ring", category="Jewellery", maker="priya", shape="ring",
        price=GBP("120.00"),
        materials=("gold vermeil", "garnet cabochon"),
        techniques=("bezel set", "hand-forged band"),
        dimensions="stone 6 mm, band 2 mm", weight_grams=5, care=_VERMEIL_CARE,
        story=("January's birthstone, a deep red that turns almost black by candlelight. A simple bezel "
               "keeps it low so it doesn't catch on jumpers."),
        minutes_per_unit=110, batch_size=3, weekly_units=1, made_to_order=True, lead_time_days=10,
        variants=(_v("GLD", "Gold Vermeil", "gold vermeil", metal="gold vermeil", accent="garnet"),),
    ),
    ProductSpec(
        sku="JWL-BGL", title="Hammered Bangle", category="Jewellery", maker="priya", shape="bangle",
        price=GBP("42.00"),
        materials=("solid brass",),
        techniques=("hand-forged", "hammer-textured"),
        dimensions="6.5 cm inside diameter, 4 mm wide", weight_grams=24, care=_BRASS_CARE,
        story=("A solid bangle, forged round on a steel mandrel and textured with a hammer I reshaped "
               "myself. Brass warms to a soft gold as you wear it."),
        minutes_per_unit=45, batch_size=8, weekly_units=2.2,
        variants=(_v("BRS", "Brass", "brass", metal="brass", share=1.3),
                  _v("SLV", "Sterling Silver", "sterling silver", metal="sterling silver", price="65.00")),
    ),
    ProductSpec(
        sku="JWL-HOP", title="Everyday Hoops", category="Jewellery", maker="priya", shape="hoops",
        price=GBP("38.00"),
        materials=("recycled sterling silver",),
        techniques=("hand-formed", "polished"),
        dimensions="20 mm across; sold as a pair", weight_grams=3, care=_SILVER_CARE,
        story=("Small, light hoops to sleep in and forget about. I form them round a wooden dowel and "
               "polish them for an hour in the tumbler."),
        minutes_per_unit=30, batch_size=12, weekly_units=4.5,
        variants=(_v("SLV", "Sterling Silver", "sterling silver", metal="sterling silver", share=1.3),
                  _v("GLD", "Gold Vermeil", "gold vermeil", metal="gold vermeil", price="46.00")),
    ),
    ProductSpec(
        sku="JWL-DSC", title="Hammered Disc Necklace", category="Jewellery", maker="priya", shape="necklace",
        price=GBP("64.00"),
        materials=("recycled sterling silver",),
        techniques=("hand-cut disc", "hammer-textured", "trace chain"),
        dimensions="disc 18 mm; chain 45 cm", weight_grams=5, care=_SILVER_CARE,
        story=("I cut each disc from sheet with a jeweller's saw, dome it slightly and hammer it so it "
               "glints as you move. The chain is fine but strong enough for every day."),
        minutes_per_unit=50, batch_size=8, weekly_units=3,
        variants=(_v("SLV", "Sterling Silver", "sterling silver", metal="sterling silver", share=1.2),
                  _v("GLD", "Gold Vermeil", "gold vermeil", metal="gold vermeil", price="74.00")),
    ),
    ProductSpec(
        sku="JWL-MST", title="Moonstone Pendant", category="Jewellery", maker="priya", shape="necklace",
        price=GBP("78.00"),
        materials=("recycled sterling silver", "rainbow moonstone cabochon"),
        techniques=("bezel set", "trace chain"),
        dimensions="stone 10 mm; chain 45 cm", weight_grams=5, care=_SILVER_CARE,
        story=("Moonstone holds a soft blue light just under its surface. I set each one in a plain bezel "
               "so nothing competes with it."),
        minutes_per_unit=80, batch_size=5, weekly_units=1.8, launched_weeks_ago=20,
        variants=(_v("SLV", "Sterling Silver", "sterling silver", metal="sterling silver", accent="moonstone"),),
    ),
    ProductSpec(
        sku="JWL-BAR", title="Personalised Bar Necklace", category="Jewellery", maker="priya", shape="bar_necklace",
        price=GBP("68.00"),
        materials=("recycled sterling silver",),
        techniques=("hand-stamped initials", "trace chain"),
        dimensions="bar 30 × 5 mm; chain 45 cm", weight_grams=6, care=_SILVER_CARE,
        story=("I stamp the letters one at a time with steel punches, so the spacing is a little human. "
               "Tell me up to ten characters when you order."),
        minutes_per_unit=40, batch_size=1, weekly_units=2.5, made_to_order=True, lead_time_days=7,
        variants=(_v("SLV", "Sterling Silver", "sterling silver", metal="sterling silver", share=1.2),
                  _v("GLD", "Gold Vermeil", "gold vermeil", metal="gold vermeil", price="78.00")),
    ),
    ProductSpec(
        sku="JWL-DRP", title="Stone Drop Earrings", category="Jewellery", maker="priya", shape="drops",
        price=GBP("56.00"),
        materials=("recycled sterling silver", "polished gemstone drops"),
        techniques=("hand-formed ear wires", "wire-wrapped"),
        dimensions="drop 25 mm, total length 45 mm", weight_grams=4, care=_SILVER_CARE,
        story=("The drops are polished pebbles of stone, each one a little different. I form the ear wires "
               "by hand and hammer the curve so they stay put."),
        minutes_per_unit=40, batch_size=6, weekly_units=2.2,
        variants=(_v("GCH", "Green Chalcedony", "sterling silver", accent="green chalcedony",
                     stone="green chalcedony"),
                  _v("GAR", "Garnet", "sterling silver", accent="garnet", stone="garnet", share=0.8)),
    ),
    # --- Candles: Priya ------------------------------------------------------------------
    ProductSpec(
        sku="CND-FIG", title="Fig & Cedar Candle", category="Candles", maker="priya", shape="jar_candle",
        price=GBP("28.00"),
        materials=("soy wax", "cotton wick", "fragrance oil", "amber glass jar"),
        techniques=("hand-poured in small batches", "cured for two weeks"),
        dimensions="200 g: 8 cm tall, 7.5 cm across; 350 g: 10 cm tall, 9 cm across", weight_grams=420,
        care=_CANDLE_CARE,
        story=("Green fig leaves over a dry cedar base: the smell of the studio garden at the end of "
               "summer. I pour on Thursdays and let them cure for two weeks before they go out."),
        minutes_per_unit=12, batch_size=30, weekly_units=7,
        variants=(_v("200", "200 g", "amber glass", size="200 g", share=1.4, label="Fig & Cedar"),
                  _v("350", "350 g", "amber glass", size="350 g", price="38.00", label="Fig & Cedar")),
    ),
    ProductSpec(
        sku="CND-VET", title="Smoked Vetiver Candle", category="Candles", maker="priya", shape="jar_candle",
        price=GBP("28.00"),
        materials=("soy wax", "cotton wick", "fragrance oil", "smoked glass jar"),
        techniques=("hand-poured in small batches", "cured for two weeks"),
        dimensions="8 cm tall, 7.5 cm across", weight_grams=420, care=_CANDLE_CARE,
        story=("Earthy vetiver, a little woodsmoke and black pepper. It's the one we burn in the studio "
               "on dark afternoons."),
        minutes_per_unit=12, batch_size=30, weekly_units=4.5,
        variants=(_v("200", "200 g", "smoke glass", size="200 g", label="Smoked Vetiver"),),
    ),
    ProductSpec(
        sku="CND-TIN", title="Travel Tin Candle", category="Candles", maker="priya", shape="tin_candle",
        price=GBP("14.00"),
        materials=("soy wax", "cotton wick", "fragrance oil", "tin with lid"),
        techniques=("hand-poured in small batches",),
        dimensions="4.5 cm tall, 7.5 cm across; about 20 hours' burn", weight_grams=150, care=_CANDLE_CARE,
        story=("A small tin for a bag or a bedside table, in our four favourite scents. The lid goes on "
               "once it's cool, so you can take it anywhere."),
        minutes_per_unit=6, batch_size=48, weekly_units=10,
        variants=(_v("SSS", "Sea Salt & Sage", "tin", scent="sea salt & sage", share=1.3, label="Sea Salt & Sage"),
                  _v("ORB", "Orange Blossom", "tin", scent="orange blossom", label="Orange Blossom"),
                  _v("FIG", "Fig & Cedar", "tin", scent="fig & cedar", share=1.1, label="Fig & Cedar"),
                  _v("LAV", "Lavender & Oat", "tin", scent="lavender & oat", share=0.9, label="Lavender & Oat")),
    ),
    ProductSpec(
        sku="CND-BEE", title="Beeswax Pillar Candle", category="Candles", maker="priya", shape="pillar_candle",
        price=GBP("22.00"),
        materials=("British beeswax", "cotton wick"),
        techniques=("poured in a silicone mould", "hand-finished"),
        dimensions="small 10 × 6.5 cm; large 15 × 7.5 cm", weight_grams=380, care=_CANDLE_CARE,
        story=("The wax comes from a beekeeper near Glastonbury and smells faintly of honey before it's even "
               "lit. Beeswax burns slowly and cleanly, with a warm yellow flame."),
        minutes_per_unit=10, batch_size=24, weekly_units=3.5,
        variants=(_v("SML", "Small", "beeswax", size="small", share=1.2),
                  _v("LRG", "Large", "beeswax", size="large", price="32.00")),
    ),
    ProductSpec(
        sku="CND-TAP", title="Hand-dipped Tapers, pair", category="Candles", maker="priya", shape="taper_candles",
        price=GBP("16.00"),
        materials=("British beeswax", "plant-based colour", "cotton wick"),
        techniques=("hand-dipped", "about forty dips per pair"),
        dimensions="25 cm tall, fits a standard 2.2 cm holder", weight_grams=160, care=_CANDLE_CARE,
        story=("Dipped in pairs on a single wick, about forty times, then cut apart. Each dip adds a thin "
               "layer, which is why they burn so evenly."),
        minutes_per_unit=8, batch_size=20, weekly_units=6,
        variants=(_v("IVY", "Ivory", "ivory", share=1.3), _v("OXB", "Oxblood", "oxblood"), _v("SAG", "Sage", "sage"),
                  _v("OCH", "Ochre", "ochre", share=0.8)),
    ),
    ProductSpec(
        sku="CND-CER", title="Ceramic Vessel Candle", category="Candles", maker="priya", shape="vessel_candle",
        price=GBP("42.00"),
        materials=("soy wax", "cotton wick", "fragrance oil", "stoneware cup by Inès"),
        techniques=("hand-poured", "cured for two weeks"),
        dimensions="8 cm tall, 8 cm across", weight_grams=520, care=_CANDLE_CARE + " Once the wax has gone, "
        "wash the cup in warm soapy water and use it for tea.",
        story=("Poured into cups Inès throws for us, glazed in chalk white. When the candle is finished you "
               "have a stoneware cup to keep."),
        minutes_per_unit=15, batch_size=20, weekly_units=2.5, launched_weeks_ago=34,
        variants=(_v("FIG", "Fig & Cedar", "chalk glaze", scent="fig & cedar", label="Fig & Cedar", share=1.2),
                  _v("VET", "Smoked Vetiver", "chalk glaze", scent="smoked vetiver", label="Smoked Vetiver")),
    ),
    ProductSpec(
        sku="CND-PLR", title="Dipped Soy Pillar", category="Candles", maker="priya", shape="pillar_candle",
        price=GBP("18.00"),
        materials=("soy wax", "plant-based colour", "cotton wick"),
        techniques=("poured", "hand-dipped in colour"),
        dimensions="10 cm tall, 6.5 cm across", weight_grams=300, care=_CANDLE_CARE,
        story=("Poured white, then dipped in coloured wax a few times so the colour sits on the outside "
               "and the flame glows through it."),
        minutes_per_unit=10, batch_size=24, weekly_units=3,
        variants=(_v("SAG", "Sage", "sage", share=1.1), _v("BLS", "Blush", "blush"), _v("IVY", "Ivory", "ivory")),
    ),
    ProductSpec(
        sku="CND-WIN", title="Winter Spice Candle", category="Candles", maker="priya", shape="jar_candle",
        price=GBP("30.00"),
        materials=("soy wax", "cotton wick", "fragrance oil", "amber glass jar"),
        techniques=("hand-poured in small batches", "cured for two weeks"),
        dimensions="8 cm tall, 7.5 cm across", weight_grams=420, care=_CANDLE_CARE,
        story=("Clove, orange peel and a little pine. I only pour it from October to Christmas, and it "
               "usually sells out by the second week of December."),
        minutes_per_unit=12, batch_size=30, weekly_units=9, seasonal="christmas",
        variants=(_v("200", "200 g", "amber glass", size="200 g", label="Winter Spice"),),
    ),
)
# fmt: on
