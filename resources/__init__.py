"""Files shipped with SuperCuts (sample images, icons, weights); see ``supercuts_app.resources``."""
