"""Writing the filing set: the Word, Excel, web page and PDF engines, the template context,
GB/T 9704 typesetting, the fonts and the stamps every file carries."""
