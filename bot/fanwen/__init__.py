"""范文: importing the user's documents (``docparse``, ``corpus``), searching the paragraphs
(``search``, ``search_index``) and the draft basket exported to Word (``drafts``)."""
