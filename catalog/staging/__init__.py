"""Staging: a product photo rendered into a studio's looks, its own pixels untouched.

- looks.py: LookSpec, the brand preset as validated, versioned data; starter_looks() (data in starters.py);
- surfaces.py: procedural backdrops (colour, gradient, linen, oak, marble, terrazzo);
- layout.py: canvas size and the product's whole-pixel place (the fidelity rule decides both);
- shading.py: contact shadow, light and colour grade (backdrop only);
- fidelity.py: the rule itself: enforce it, measure it;
- compositor.py: CompositorStager, the offline default;
- diffusion.py: DiffusionStager, Stable Diffusion inpainting around the product.

Nothing here imports Django models; heavy libraries load inside the stagers.
"""
