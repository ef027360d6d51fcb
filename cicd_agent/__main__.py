from cicd_agent.cli.main import run

run()
