from cicd_agent.cli.entry import run

run()
