"""Reports made from the runner's result records: JUnit XML, a JSON summary, HTML, a terminal table."""
