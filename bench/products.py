"""Product vocabulary the benchmarks draw realistic products from (category → nouns,
materials, techniques, colours). Shared so the benches describe the same shop."""

KINDS = {
    "Ceramics": (
        ["mug", "bowl", "vase", "plate", "jug"],
        ["stoneware clay", "porcelain", "earthenware"],
        ["wheel-thrown", "hand-built", "slip cast", "reduction fired"],
        ["celadon", "tenmoku", "white", "ash"],
    ),
    "Textiles": (
        ["tea towel", "scarf", "cushion cover", "table runner"],
        ["linen", "merino wool", "cotton"],
        ["hand-printed", "hand-knitted", "woven"],
        ["indigo", "ochre", "natural"],
    ),
    "Jewellery": (
        ["hoop earrings", "pendant", "ring", "bangle"],
        ["sterling silver", "brass", "copper"],
        ["hand-forged", "cast", "hammered"],
        ["polished", "oxidised", "gold"],
    ),
    "Candles": (
        ["pillar candle", "container candle", "tealights"],
        ["soy wax", "beeswax", "cotton wick"],
        ["hand-poured", "rolled"],
        ["fig", "cedar", "unscented"],
    ),
    "Woodwork": (["serving board", "spoon", "bowl"], ["oak", "walnut", "ash"], ["hand-carved", "turned", "oiled"], []),
}
