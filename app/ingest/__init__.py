"""A new statement into candidate commitments: its text into paragraphs and sentences, and
the extraction guide's rules over them. Others use `propose`, `Statement`, `Proposal`,
`paragraphs_of` and `TextFormat`."""
