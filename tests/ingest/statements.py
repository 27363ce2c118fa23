"""Statements written for the tests, in the language of allied joint statements."""

JOINT_STATEMENT = """JOINT STATEMENT ON ALLIANCE COOPERATION

The United States and the Republic of Korea issued the following statement.

Both sides condemned the DPRK's ballistic missile launches.

The two ministers will hold the Integrated Defense Dialogue quarterly.

The United States will deploy additional  surveillance assets to the region by
2027, and the ROK will expand its contribution to combined exercises.

The ROK requested U.S. support for its shipbuilding initiative.
"""

PAGE = """<!doctype html><html><head><title>Statement</title>
<script>track("visit")</script><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> Both sides will click here.</nav>
<main><h1>Joint Statement</h1>
<p>The two ministers will hold the Integrated Defense Dialogue quarterly.</p>
<p>The United States will deploy additional surveillance assets to the region by 2027.</p>
</main><footer>Both sides will subscribe to our newsletter.</footer></body></html>
"""
